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
					StartupProbe   *probe `yaml:"startupProbe"`
					VolumeMounts   []struct {
						MountPath string `yaml:"mountPath"`
					} `yaml:"volumeMounts"`
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

// probe is a container probe; only HTTP ones are read (the kubelet's
// gRPC probes cannot speak TLS, which the gRPC port does in production).
type probe struct {
	HTTPGet *struct {
		Path string `yaml:"path"`
		Port string `yaml:"port"`
	} `yaml:"httpGet"`
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
// the ones it listens on, the probes ask the metrics port's /readyz and
// /healthz, which listens on the pod IP for them, and TLS and caller
// authentication are on.
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
	for name, tc := range map[string]struct {
		p    *probe
		path string
	}{"readiness": {dep.ReadinessProbe, "/readyz"}, "startup": {dep.StartupProbe, "/readyz"}, "liveness": {dep.LivenessProbe, "/healthz"}} {
		if tc.p == nil || tc.p.HTTPGet == nil || tc.p.HTTPGet.Path != tc.path || tc.p.HTTPGet.Port != "metrics" {
			t.Errorf("%s probe %+v: want GET %s on the metrics port", name, tc.p, tc.path)
		}
	}
	if host, _, _ := strings.Cut(o.metricsAddr, ":"); host != "" {
		t.Errorf("metrics-addr %q: the probes need it on the pod IP (\":9464\")", o.metricsAddr)
	}
	if o.security.tls.Cert == "" || o.security.tls.Key == "" || o.security.authTokenFile == "" {
		t.Errorf("the configuration serves without TLS or caller authentication: %+v", o.security)
	}
	mounted := map[string]bool{}
	for _, m := range dep.VolumeMounts {
		mounted[m.MountPath] = true
	}
	for _, f := range []string{o.security.tls.Cert, o.security.tls.Key, o.security.authTokenFile, o.adminTokenFile} {
		if f != "" && !mounted[filepath.Dir(f)] {
			t.Errorf("%s is not in a mounted volume", f)
		}
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
