package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/sendgate/sendgate/internal/engine"
	"github.com/sendgate/sendgate/internal/explain"
	"github.com/sendgate/sendgate/internal/validate"
	sendgatev1 "github.com/sendgate/sendgate/proto/sendgate/v1"
)

var responseJSON = protojson.MarshalOptions{Multiline: true, Indent: "  ", EmitUnpopulated: true}

func runCheck(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	bundlePath := fs.String("bundle", "", "bundle directory or .tar.gz to decide with (default: the embedded default bundle)")
	addr := fs.String("addr", "", "decide with a running server at HOST:PORT instead of a local bundle")
	timeout := fs.Duration("timeout", 10*time.Second, "how long to wait for a running server")
	explainIt := fs.Bool("explain", false, "also write a readable account of the decision to standard error: text findings, rules fired, how to pass")
	casesPath := fs.String("cases", "", "decide every case of a JSONL corpus in this process and score it (see below)")
	var allow nameList
	fs.Var(&allow, "allow-builtin", allowBuiltinUsage)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: sendgate check [--bundle PATH | --addr HOST:PORT] [FILE]\n       sendgate check [--bundle PATH] --cases FILE.jsonl\n\nReads one CheckRequest as JSON from FILE or standard input and prints the CheckResponse.\nExit status: 0 allow, 1 deny, 2 the request or the bundle could not be used.\n\n"+casesUsage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return parseExit(err)
	}
	if *bundlePath != "" && *addr != "" && !*explainIt {
		// With --explain, --bundle names the bundle that explains the
		// server's decision.
		fmt.Fprintln(stderr, "sendgate check: --bundle and --addr exclude each other (but with --explain)")
		return exitUnusable
	}
	if fs.NArg() > 1 || (*casesPath != "" && (fs.NArg() > 0 || *addr != "" || *explainIt)) ||
		(*casesPath == "" && fs.NArg() == 0 && isCharDevice(stdin)) {
		// With no FILE and a terminal for standard input, say how to use
		// check rather than wait for a request to be typed.
		fs.Usage()
		return exitUnusable
	}
	if *casesPath != "" {
		ps, err := compileBundle(ctx, *bundlePath, allow)
		if err != nil {
			fmt.Fprintf(stderr, "sendgate check: %v\n", err)
			return exitUnusable
		}
		return runCases(ctx, ps, *casesPath, stdout, stderr)
	}
	req, err := readRequest(fs.Arg(0), stdin)
	if err != nil {
		fmt.Fprintf(stderr, "sendgate check: %v\n", err)
		return exitUnusable
	}

	var resp *sendgatev1.CheckResponse
	var ps *engine.PolicySet
	if *addr == "" || *explainIt {
		// With --addr the local bundle only explains the server's answer.
		if v := validate.CheckRequest(req); v != nil {
			fmt.Fprintf(stderr, "sendgate check: %v\n", errInvalid(v))
			return exitUnusable
		}
		if ps, err = compileBundle(ctx, *bundlePath, allow); err != nil {
			fmt.Fprintf(stderr, "sendgate check: %v\n", err)
			return exitUnusable
		}
	}
	if *addr != "" {
		resp, err = checkRemote(ctx, *addr, *timeout, req)
	} else {
		resp, err = ps.Decide(ctx, req, time.Now())
	}
	if err != nil {
		fmt.Fprintf(stderr, "sendgate check: %v\n", err)
		return exitUnusable
	}
	out, err := responseJSON.Marshal(resp)
	if err != nil {
		fmt.Fprintf(stderr, "sendgate check: %v\n", err)
		return exitUnusable
	}
	fmt.Fprintln(stdout, string(out))
	if *explainIt && resp.GetBundleRevision() != ps.Revision() {
		// An explanation from another revision could name rules the
		// server never ran.
		fmt.Fprintf(stderr, "sendgate check: cannot explain: the server decided with bundle revision %q, the local bundle is revision %q; pass --bundle with the bundle the server runs\n",
			resp.GetBundleRevision(), ps.Revision())
		return exitUnusable
	}
	if *explainIt {
		if err := explain.Write(stderr, ps, req, resp); err != nil {
			fmt.Fprintf(stderr, "sendgate check: explain: %v\n", err)
		}
	}
	if resp.GetDecision() == sendgatev1.Decision_DECISION_ALLOW {
		return exitOK
	}
	return exitDeny
}

func readRequest(path string, stdin io.Reader) (*sendgatev1.CheckRequest, error) {
	var data []byte
	var err error
	if path == "" || path == "-" {
		data, err = io.ReadAll(stdin)
	} else {
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, fmt.Errorf("read request: %w", err)
	}
	req := &sendgatev1.CheckRequest{}
	if err := protojson.Unmarshal(data, req); err != nil {
		return nil, fmt.Errorf("parse request: %w", err)
	}
	return req, nil
}

// errInvalid reports the field violations of a request refused locally.
type errInvalid []validate.Violation

func (e errInvalid) Error() string {
	msg := "invalid request:"
	for _, v := range e {
		msg += "\n  " + v.Field + ": " + v.Description
	}
	return msg
}

func checkRemote(ctx context.Context, addr string, timeout time.Duration, req *sendgatev1.CheckRequest) (*sendgatev1.CheckResponse, error) {
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", addr, err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	resp, err := sendgatev1.NewDecisionServiceClient(conn).Check(ctx, req)
	if err != nil {
		return nil, describeStatus(err)
	}
	return resp, nil
}

// describeStatus spells out a gRPC error with its field violations.
func describeStatus(err error) error {
	st, ok := status.FromError(err)
	if !ok {
		return err
	}
	msg := st.Code().String() + ": " + st.Message()
	for _, d := range st.Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			for _, v := range br.GetFieldViolations() {
				msg += "\n  " + v.GetField() + ": " + v.GetDescription()
			}
		}
	}
	return errors.New(msg)
}
