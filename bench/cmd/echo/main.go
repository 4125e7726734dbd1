// Command echo serves the bench echo DecisionService: a fixed ALLOW for every
// Check and CheckBatch item, with no policy work, so that load runs can
// measure the gRPC transport floor beside sendgate.
//
//	go run ./bench/cmd/echo -addr 127.0.0.1:9190
package main

import (
	"flag"
	"log"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/sendgate/sendgate/bench/echo"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:9190", "listen address")
	flag.Parse()

	lis, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	srv := echo.NewGRPCServer()
	go func() {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
		<-sig
		srv.GracefulStop()
	}()
	log.Printf("echo DecisionService on %s", lis.Addr())
	if err := srv.Serve(lis); err != nil {
		log.Fatal(err)
	}
}
