package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/sendgate/sendgate/internal/config"
	sendgatev1 "github.com/sendgate/sendgate/proto/sendgate/v1"
)

// k8sObject is the part of a Kubernetes manifest the test reads.
type k8sObject struct {
	Kind     string `yaml:"kind"`
	Metadata struct {
		Name string `yaml:"name"`
	} `yaml:"metadata"`
	Data map[string]string `yaml:"data"`
	Spec struct {
		Template struct {
			Spec struct {
				Containers []struct {
					Args  []string `yaml:"args"`
					Ports []struct {
						Name          string `yaml:"name"`
						ContainerPort int    `yaml:"containerPort"`
					} `yaml:"ports"`
					Resources struct {
						Requests map[string]string `yaml:"requests"`
					} `yaml:"resources"`
					ReadinessProbe *probe `yaml:"readinessProbe"`
					LivenessProbe  *probe `yaml:"livenessProbe"`
				} `yaml:"containers"`
			} `yaml:"spec"`
		} `yaml:"template"`
		Ports []struct {
			Name       string `yaml:"name"`
			TargetPort string `yaml:"targetPort"`
		} `yaml:"ports"`
		MinAvailable int `yaml:"minAvailable"`
	} `yaml:"spec"`
}

// probe is a container probe; only gRPC ones are read.
type probe struct {
	GRPC *struct {
		Port    int     `yaml:"port"`
		Service *string `yaml:"service"`
	} `yaml:"grpc"`
}

func readManifests(t *testing.T) map[string]k8sObject {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "..", "deploy", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests under deploy/: %v", err)
	}
	out := map[string]k8sObject{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(data))
		for {
			var o k8sObject
			if err := dec.Decode(&o); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			out[o.Kind+"/"+o.Metadata.Name] = o
		}
	}
	return out
}

// TestDeployManifests checks that deploy/ parses and refers to what the
// binary has: the configuration's keys are serve's flags, the ports are
// the ones it listens on, the probes ask the gRPC health service for the
// DecisionService.
func TestDeployManifests(t *testing.T) {
	objs := readManifests(t)
	for _, want := range []string{"Deployment/sendgate", "Service/sendgate", "PodDisruptionBudget/sendgate", "ConfigMap/sendgate-config"} {
		if _, ok := objs[want]; !ok {
			t.Fatalf("deploy/ lacks %s", want)
		}
	}
	// The configuration file is accepted by serve as it is.
	cfg := filepath.Join(t.TempDir(), "sendgate.yaml")
	if err := os.WriteFile(cfg, []byte(objs["ConfigMap/sendgate-config"].Data["sendgate.yaml"]), 0o600); err != nil {
		t.Fatal(err)
	}
	dep := objs["Deployment/sendgate"].Spec.Template.Spec.Containers[0]
	var o serveOptions
	fs := serveFlags(&o, io.Discard)
	args := append(slicesWithout(dep.Args, "serve", "--config"), "--config", cfg)
	if err := fs.Parse(args); err != nil {
		t.Fatalf("container args %v: %v", dep.Args, err)
	}
	if _, err := config.Apply(fs, config.Options{EnvPrefix: envPrefix, FileFlag: "config", LookupEnv: func(string) (string, bool) { return "", false }}); err != nil {
		t.Fatalf("the ConfigMap's sendgate.yaml: %v", err)
	}
	ports := map[string]int{}
	for _, p := range dep.Ports {
		ports[p.Name] = p.ContainerPort
	}
	for name, addr := range map[string]string{"grpc": o.addr, "http": o.httpAddr, "metrics": o.metricsAddr} {
		if !strings.HasSuffix(addr, ":"+strconv.Itoa(ports[name])) {
			t.Errorf("container port %s is %d, serve listens on %q", name, ports[name], addr)
		}
	}
	rp := dep.ReadinessProbe
	if rp == nil || rp.GRPC == nil || rp.GRPC.Port != ports["grpc"] || rp.GRPC.Service == nil || *rp.GRPC.Service != sendgatev1.DecisionService_ServiceDesc.ServiceName {
		t.Errorf("readiness probe %+v: want gRPC health of %s on the gRPC port", rp, sendgatev1.DecisionService_ServiceDesc.ServiceName)
	}
	if lp := dep.LivenessProbe; lp == nil || lp.GRPC == nil || lp.GRPC.Port != ports["grpc"] {
		t.Errorf("liveness probe %+v: want gRPC health on the gRPC port", lp)
	}
	if dep.Resources.Requests["cpu"] == "" || dep.Resources.Requests["memory"] == "" {
		t.Errorf("no resource requests: %+v", dep.Resources)
	}
	for _, p := range objs["Service/sendgate"].Spec.Ports {
		if _, ok := ports[p.TargetPort]; !ok {
			t.Errorf("Service port %s targets %q, which the container does not name", p.Name, p.TargetPort)
		}
	}
	if objs["PodDisruptionBudget/sendgate"].Spec.MinAvailable < 1 {
		t.Error("the PodDisruptionBudget lets every pod go")
	}
}

// TestDockerfile checks the image runs serve with flags serve has, as a
// non-root user, on a static base, exposing serve's ports.
func TestDockerfile(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	df := string(data)
	for _, want := range []string{"CGO_ENABLED=0", "FROM gcr.io/distroless/static", "USER 65532", "EXPOSE 9090 8080 9464"} {
		if !strings.Contains(df, want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
	cmd := regexp.MustCompile(`(?m)^CMD \[(.*)\]$`).FindStringSubmatch(df)
	if cmd == nil {
		t.Fatal("Dockerfile has no CMD")
	}
	var args []string
	for _, a := range strings.Split(cmd[1], ",") {
		args = append(args, strings.Trim(strings.TrimSpace(a), `"`))
	}
	var o serveOptions
	if args[0] != "serve" || serveFlags(&o, io.Discard).Parse(args[1:]) != nil {
		t.Errorf("CMD %v is not a serve command line", args)
	}
}

func slicesWithout(s []string, drop ...string) []string {
	var out []string
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == "--config":
			i++ // and its value
		case s[i] == drop[0]:
		default:
			out = append(out, s[i])
		}
	}
	return out
}
