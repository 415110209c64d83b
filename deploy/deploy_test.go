package deploy_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/flextime/flextime/cli"
)

// The repository root, relative to this package's directory.
const root = ".."

// settings are the environment variables flextime reads: its own table
// (CONTRACT.md section 5 and what flextime adds). Deployment files may
// set only these for the flextime process.
var settings = cli.SettingNames()

// durationSettings take a Go duration or bare milliseconds.
var durationSettings = []string{
	"EVALUATION_TIMEOUT", "STREAM_MAX_AGE", "DEDUP_WINDOW", "ACK_WAIT",
	"SHUTDOWN_TIMEOUT", "DB_TIMEOUT", "CACHE_TTL",
	"HISTORY_FLUSH_INTERVAL", "HISTORY_RETENTION",
}

// intSettings take a positive integer.
var intSettings = []string{
	"PORT", "MAX_WORKERS", "DB_POOL_MIN", "DB_POOL_MAX",
	"CACHE_MAX_SIZE", "HISTORY_BATCH_SIZE",
}

// metrics are the series the service exports (consumer/metrics.go), with
// the histogram's derived series, plus Prometheus's own "up".
var metrics = []string{
	"constraint_evaluations_total",
	"constraint_evaluation_duration_seconds_bucket",
	"constraint_evaluation_duration_seconds_sum",
	"constraint_evaluation_duration_seconds_count",
	"active_workers",
	"flextime_messages_received_total",
	"flextime_messages_acked_total",
	"flextime_messages_naked_total",
	"flextime_messages_dead_lettered_total",
	"flextime_results_published_total",
	"flextime_publishes_in_flight",
	"flextime_circuit_open",
	"flextime_circuit_trips_total",
	"flextime_panics_total",
	"up",
}

// The service's HTTP port and its paths.
const (
	httpPort  = 3000
	readyPath = "/ready"
	livePath  = "/health"
)

// ---------------------------------------------------------------------------
// Helpers.

func readFile(t *testing.T, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(rel)))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func exists(rel string) bool {
	_, err := os.Stat(filepath.Join(root, filepath.FromSlash(rel)))
	return err == nil
}

// yamlDocs decodes every document of a (possibly multi-document) YAML file.
func yamlDocs(t *testing.T, rel string) []*yaml.Node {
	t.Helper()
	dec := yaml.NewDecoder(bytes.NewReader(readFile(t, rel)))
	var docs []*yaml.Node
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", rel, err)
		}
		if len(n.Content) == 0 || n.Content[0].Kind == 0 ||
			(n.Content[0].Kind == yaml.ScalarNode && n.Content[0].Tag == "!!null") {
			continue // an empty document
		}
		docs = append(docs, &n)
	}
	return docs
}

func decodeStrict(t *testing.T, rel string, v any) {
	t.Helper()
	docs := yamlDocs(t, rel)
	if len(docs) != 1 {
		t.Fatalf("%s: %d YAML documents, want 1", rel, len(docs))
	}
	if err := docs[0].Decode(v); err != nil {
		t.Fatalf("%s: %v", rel, err)
	}
}

// settingDuration parses a duration setting: Go syntax or bare milliseconds.
func settingDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Duration(ms) * time.Millisecond, nil
	}
	return time.ParseDuration(s)
}

// checkSettings reports each name that flextime does not read and each
// value that its type rejects.
func checkSettings(env map[string]string) []error {
	var errs []error
	for name, v := range env {
		switch {
		case !slices.Contains(settings, name):
			errs = append(errs, fmt.Errorf("%s is not a flextime setting", name))
		case slices.Contains(durationSettings, name):
			if d, err := settingDuration(v); err != nil || d <= 0 {
				errs = append(errs, fmt.Errorf("%s=%q is not a positive duration", name, v))
			}
		case slices.Contains(intSettings, name):
			if n, err := strconv.Atoi(v); err != nil || n <= 0 {
				errs = append(errs, fmt.Errorf("%s=%q is not a positive integer", name, v))
			}
		case name == "REDIS_TLS":
			if _, err := strconv.ParseBool(v); err != nil {
				errs = append(errs, fmt.Errorf("%s=%q is not true or false", name, v))
			}
		}
	}
	slices.SortFunc(errs, func(a, b error) int { return strings.Compare(a.Error(), b.Error()) })
	return errs
}

func TestCheckSettingsRejects(t *testing.T) {
	errs := checkSettings(map[string]string{
		"PORT":             "3000",
		"NATS_URLS":        "nats://x",
		"SHUTDOWN_TIMEOUT": "thirty",
		"MAX_WORKERS":      "0",
		"REDIS_TLS":        "maybe",
		"ACK_WAIT":         "30000",
	})
	if len(errs) != 4 {
		t.Fatalf("got %d errors, want 4: %v", len(errs), errs)
	}
}

// shutdownTimeout is SHUTDOWN_TIMEOUT from env, or its default.
func shutdownTimeout(t *testing.T, env map[string]string) time.Duration {
	t.Helper()
	v, ok := env["SHUTDOWN_TIMEOUT"]
	if !ok {
		return 30 * time.Second
	}
	d, err := settingDuration(v)
	if err != nil {
		t.Fatalf("SHUTDOWN_TIMEOUT=%q: %v", v, err)
	}
	return d
}

// ---------------------------------------------------------------------------
// Kubernetes.

type objectMeta struct {
	Name        string            `yaml:"name"`
	Namespace   string            `yaml:"namespace"`
	Labels      map[string]string `yaml:"labels"`
	Annotations map[string]string `yaml:"annotations"`
}

type object struct {
	APIVersion string     `yaml:"apiVersion"`
	Kind       string     `yaml:"kind"`
	Metadata   objectMeta `yaml:"metadata"`

	file string
	node *yaml.Node
}

// intOrString is a port given by number or by name.
type intOrString string

func (p *intOrString) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: a port must be a number or a name", n.Line)
	}
	*p = intOrString(n.Value)
	return nil
}

type securityContext struct {
	RunAsNonRoot             *bool `yaml:"runAsNonRoot"`
	RunAsUser                *int  `yaml:"runAsUser"`
	AllowPrivilegeEscalation *bool `yaml:"allowPrivilegeEscalation"`
}

type probe struct {
	HTTPGet *struct {
		Path string      `yaml:"path"`
		Port intOrString `yaml:"port"`
	} `yaml:"httpGet"`
}

type ref struct {
	Name     string `yaml:"name"`
	Key      string `yaml:"key"`
	Optional bool   `yaml:"optional"`
}

type container struct {
	Name    string   `yaml:"name"`
	Image   string   `yaml:"image"`
	Command []string `yaml:"command"`
	Args    []string `yaml:"args"`
	Ports   []struct {
		Name          string `yaml:"name"`
		ContainerPort int    `yaml:"containerPort"`
	} `yaml:"ports"`
	EnvFrom []struct {
		ConfigMapRef *ref `yaml:"configMapRef"`
		SecretRef    *ref `yaml:"secretRef"`
	} `yaml:"envFrom"`
	Env []struct {
		Name      string `yaml:"name"`
		Value     string `yaml:"value"`
		ValueFrom *struct {
			SecretKeyRef    *ref `yaml:"secretKeyRef"`
			ConfigMapKeyRef *ref `yaml:"configMapKeyRef"`
		} `yaml:"valueFrom"`
	} `yaml:"env"`
	ReadinessProbe *probe `yaml:"readinessProbe"`
	LivenessProbe  *probe `yaml:"livenessProbe"`
	Resources      struct {
		Requests map[string]string `yaml:"requests"`
		Limits   map[string]string `yaml:"limits"`
	} `yaml:"resources"`
	SecurityContext *securityContext `yaml:"securityContext"`
}

// port resolves a probe's or a Service's port against the container's.
func (c container) port(p intOrString) (int, bool) {
	if n, err := strconv.Atoi(string(p)); err == nil {
		for _, cp := range c.Ports {
			if cp.ContainerPort == n {
				return n, true
			}
		}
		return n, false
	}
	for _, cp := range c.Ports {
		if cp.Name == string(p) {
			return cp.ContainerPort, true
		}
	}
	return 0, false
}

type labelSelector struct {
	MatchLabels map[string]string `yaml:"matchLabels"`
}

type deployment struct {
	Spec struct {
		Replicas *int          `yaml:"replicas"`
		Selector labelSelector `yaml:"selector"`
		Template struct {
			Metadata objectMeta `yaml:"metadata"`
			Spec     struct {
				TerminationGracePeriodSeconds *int             `yaml:"terminationGracePeriodSeconds"`
				SecurityContext               *securityContext `yaml:"securityContext"`
				Containers                    []container      `yaml:"containers"`
			} `yaml:"spec"`
		} `yaml:"template"`
	} `yaml:"spec"`
}

type service struct {
	Spec struct {
		Selector map[string]string `yaml:"selector"`
		Ports    []struct {
			Name       string      `yaml:"name"`
			Port       int         `yaml:"port"`
			TargetPort intOrString `yaml:"targetPort"`
		} `yaml:"ports"`
	} `yaml:"spec"`
}

type podDisruptionBudget struct {
	Spec struct {
		MinAvailable   *intOrString  `yaml:"minAvailable"`
		MaxUnavailable *intOrString  `yaml:"maxUnavailable"`
		Selector       labelSelector `yaml:"selector"`
	} `yaml:"spec"`
}

type hpa struct {
	Spec struct {
		ScaleTargetRef struct {
			APIVersion string `yaml:"apiVersion"`
			Kind       string `yaml:"kind"`
			Name       string `yaml:"name"`
		} `yaml:"scaleTargetRef"`
		MinReplicas *int `yaml:"minReplicas"`
		MaxReplicas int  `yaml:"maxReplicas"`
		Metrics     []struct {
			Type     string `yaml:"type"`
			Resource *struct {
				Name   string `yaml:"name"`
				Target struct {
					Type               string `yaml:"type"`
					AverageUtilization int    `yaml:"averageUtilization"`
				} `yaml:"target"`
			} `yaml:"resource"`
		} `yaml:"metrics"`
	} `yaml:"spec"`
}

type configMap struct {
	Data map[string]string `yaml:"data"`
}

type secret struct {
	Type       string            `yaml:"type"`
	Data       map[string]string `yaml:"data"`
	StringData map[string]string `yaml:"stringData"`
}

type kustomization struct {
	APIVersion string   `yaml:"apiVersion"`
	Kind       string   `yaml:"kind"`
	Namespace  string   `yaml:"namespace"`
	Resources  []string `yaml:"resources"`
}

// apiVersions is the expected apiVersion of each kind.
var apiVersions = map[string]string{
	"Namespace":               "v1",
	"ConfigMap":               "v1",
	"Secret":                  "v1",
	"Service":                 "v1",
	"Deployment":              "apps/v1",
	"PodDisruptionBudget":     "policy/v1",
	"HorizontalPodAutoscaler": "autoscaling/v2",
}

const k8sDir = "deploy/k8s"

// k8sObjects reads the objects of the given files, checking each one's
// apiVersion against its kind.
func k8sObjects(t *testing.T, files ...string) []object {
	t.Helper()
	var objs []object
	for _, f := range files {
		rel := path.Join(k8sDir, f)
		docs := yamlDocs(t, rel)
		if len(docs) == 0 {
			t.Errorf("%s: no objects", rel)
		}
		for _, d := range docs {
			var o object
			if err := d.Decode(&o); err != nil {
				t.Fatalf("%s: %v", rel, err)
			}
			want, known := apiVersions[o.Kind]
			switch {
			case !known:
				t.Errorf("%s: unexpected kind %q", rel, o.Kind)
			case o.APIVersion != want:
				t.Errorf("%s: %s has apiVersion %q, want %q", rel, o.Kind, o.APIVersion, want)
			}
			if o.Metadata.Name == "" {
				t.Errorf("%s: %s without metadata.name", rel, o.Kind)
			}
			o.file, o.node = rel, d
			objs = append(objs, o)
		}
	}
	return objs
}

// cluster is the kustomization's objects, one of each kind.
type cluster struct {
	ns     object
	cm     configMap
	cmMeta object
	dep    deployment
	depObj object
	svc    service
	svcObj object
	pdb    podDisruptionBudget
	hpa    hpa
	secret secret
	secObj object
}

func readKustomization(t *testing.T) kustomization {
	t.Helper()
	var k kustomization
	decodeStrict(t, path.Join(k8sDir, "kustomization.yaml"), &k)
	return k
}

func loadCluster(t *testing.T) cluster {
	t.Helper()
	k := readKustomization(t)
	byKind := map[string]object{}
	for _, o := range k8sObjects(t, k.Resources...) {
		if prev, dup := byKind[o.Kind]; dup {
			t.Fatalf("two %s objects: %s and %s", o.Kind, prev.file, o.file)
		}
		byKind[o.Kind] = o
	}
	var c cluster
	get := func(kind string, v any) object {
		o, ok := byKind[kind]
		if !ok {
			t.Fatalf("kustomization.yaml lists no %s", kind)
		}
		if v != nil {
			if err := o.node.Decode(v); err != nil {
				t.Fatalf("%s: %v", o.file, err)
			}
		}
		return o
	}
	c.ns = get("Namespace", nil)
	c.cmMeta = get("ConfigMap", &c.cm)
	c.depObj = get("Deployment", &c.dep)
	c.svcObj = get("Service", &c.svc)
	get("PodDisruptionBudget", &c.pdb)
	get("HorizontalPodAutoscaler", &c.hpa)
	if _, ok := byKind["Secret"]; ok {
		t.Fatal("kustomization.yaml lists a Secret; secrets are created outside the repository")
	}
	for _, o := range k8sObjects(t, "secret.example.yaml") {
		if o.Kind != "Secret" {
			t.Fatalf("secret.example.yaml holds a %s", o.Kind)
		}
		c.secObj = o
		if err := o.node.Decode(&c.secret); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

func TestKustomization(t *testing.T) {
	k := readKustomization(t)
	if k.APIVersion != "kustomize.config.k8s.io/v1beta1" || k.Kind != "Kustomization" {
		t.Errorf("kustomization.yaml: apiVersion %q kind %q", k.APIVersion, k.Kind)
	}
	if len(k.Resources) == 0 {
		t.Fatal("kustomization.yaml lists no resources")
	}
	for _, r := range k.Resources {
		if !exists(path.Join(k8sDir, r)) {
			t.Errorf("kustomization.yaml lists %s, which does not exist", r)
		}
	}
	if slices.Contains(k.Resources, "secret.example.yaml") {
		t.Error("kustomization.yaml lists secret.example.yaml")
	}
	// Every manifest beside it is either listed or the example secret.
	entries, err := os.ReadDir(filepath.Join(root, k8sDir))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		n := e.Name()
		if !strings.HasSuffix(n, ".yaml") || n == "kustomization.yaml" || n == "secret.example.yaml" {
			continue
		}
		if !slices.Contains(k.Resources, n) {
			t.Errorf("%s/%s is not listed in kustomization.yaml", k8sDir, n)
		}
	}

	c := loadCluster(t)
	ns := c.ns.Metadata.Name
	if k.Namespace != "" && k.Namespace != ns {
		t.Errorf("kustomization namespace %q, Namespace object %q", k.Namespace, ns)
	}
	for _, o := range k8sObjects(t, k.Resources...) {
		if o.Kind != "Namespace" && o.Metadata.Namespace != ns {
			t.Errorf("%s: %s %s is in namespace %q, want %q", o.file, o.Kind, o.Metadata.Name, o.Metadata.Namespace, ns)
		}
	}
	if c.secObj.Metadata.Namespace != ns {
		t.Errorf("secret.example.yaml: namespace %q, want %q", c.secObj.Metadata.Namespace, ns)
	}
}

func flextimeContainer(t *testing.T, d deployment) container {
	t.Helper()
	cs := d.Spec.Template.Spec.Containers
	if len(cs) != 1 {
		t.Fatalf("deployment has %d containers, want 1", len(cs))
	}
	return cs[0]
}

func TestDeployment(t *testing.T) {
	c := loadCluster(t)
	d := c.dep
	ctr := flextimeContainer(t, d)

	if d.Spec.Replicas == nil || *d.Spec.Replicas != 3 {
		t.Errorf("replicas %v, want 3", d.Spec.Replicas)
	}
	if len(d.Spec.Selector.MatchLabels) == 0 {
		t.Error("deployment selector has no matchLabels")
	}
	for k, v := range d.Spec.Selector.MatchLabels {
		if d.Spec.Template.Metadata.Labels[k] != v {
			t.Errorf("selector %s=%s does not match the pod template's labels", k, v)
		}
	}

	// It runs flextime serve.
	if ctr.Image == "" {
		t.Error("container has no image")
	}
	cmd := append(slices.Clone(ctr.Command), ctr.Args...)
	if len(ctr.Command) > 0 && path.Base(ctr.Command[0]) != "flextime" {
		t.Errorf("command %q does not run flextime", ctr.Command)
	}
	if !slices.Contains(cmd, "serve") {
		t.Errorf("command and args %q do not run serve", cmd)
	}

	// Probes on the HTTP port.
	if _, ok := ctr.port(intOrString(strconv.Itoa(httpPort))); !ok {
		t.Errorf("container does not declare port %d", httpPort)
	}
	for _, p := range []struct {
		name, path string
		probe      *probe
	}{
		{"readinessProbe", readyPath, ctr.ReadinessProbe},
		{"livenessProbe", livePath, ctr.LivenessProbe},
	} {
		if p.probe == nil || p.probe.HTTPGet == nil {
			t.Errorf("no httpGet %s", p.name)
			continue
		}
		if p.probe.HTTPGet.Path != p.path {
			t.Errorf("%s path %q, want %q", p.name, p.probe.HTTPGet.Path, p.path)
		}
		if n, ok := ctr.port(p.probe.HTTPGet.Port); !ok || n != httpPort {
			t.Errorf("%s port %q is not the container's port %d", p.name, p.probe.HTTPGet.Port, httpPort)
		}
	}

	// Resources.
	for _, r := range []string{"cpu", "memory"} {
		if ctr.Resources.Requests[r] == "" || ctr.Resources.Limits[r] == "" {
			t.Errorf("resources: %s needs both a request and a limit", r)
		}
	}

	// Non-root.
	nonRoot := func(s *securityContext) bool { return s != nil && s.RunAsNonRoot != nil && *s.RunAsNonRoot }
	if !nonRoot(d.Spec.Template.Spec.SecurityContext) && !nonRoot(ctr.SecurityContext) {
		t.Error("securityContext does not set runAsNonRoot: true")
	}
	for _, s := range []*securityContext{d.Spec.Template.Spec.SecurityContext, ctr.SecurityContext} {
		if s != nil && s.RunAsUser != nil && *s.RunAsUser == 0 {
			t.Error("securityContext runs as user 0")
		}
	}

	// Prometheus annotations name the metrics endpoint.
	ann := d.Spec.Template.Metadata.Annotations
	if ann["prometheus.io/scrape"] != "true" {
		t.Errorf(`prometheus.io/scrape is %q, want "true"`, ann["prometheus.io/scrape"])
	}
	if ann["prometheus.io/port"] != strconv.Itoa(httpPort) {
		t.Errorf("prometheus.io/port is %q, want %d", ann["prometheus.io/port"], httpPort)
	}
	if p, ok := ann["prometheus.io/path"]; ok && p != "/metrics" {
		t.Errorf("prometheus.io/path is %q, want /metrics", p)
	}

	// Settings: the ConfigMap in bulk, secrets by reference.
	var fromCM bool
	for _, ef := range ctr.EnvFrom {
		if ef.ConfigMapRef != nil {
			if ef.ConfigMapRef.Name != c.cmMeta.Metadata.Name {
				t.Errorf("envFrom names ConfigMap %q, the ConfigMap is %q", ef.ConfigMapRef.Name, c.cmMeta.Metadata.Name)
			}
			fromCM = true
		}
		if ef.SecretRef != nil {
			t.Error("envFrom takes a whole Secret; reference its keys one by one")
		}
	}
	if !fromCM {
		t.Error("the container does not take its settings from the ConfigMap (envFrom)")
	}
	var dbFromSecret bool
	for _, e := range ctr.Env {
		if !slices.Contains(settings, e.Name) {
			t.Errorf("env %s is not a flextime setting", e.Name)
		}
		if e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil {
			continue
		}
		r := e.ValueFrom.SecretKeyRef
		if r.Name != c.secObj.Metadata.Name {
			t.Errorf("env %s: Secret %q, the example Secret is %q", e.Name, r.Name, c.secObj.Metadata.Name)
		}
		if _, ok := c.secret.StringData[r.Key]; !ok {
			t.Errorf("env %s: key %q is not in secret.example.yaml", e.Name, r.Key)
		}
		if e.Name == "DATABASE_URL" && !r.Optional {
			dbFromSecret = true
		}
	}
	if !dbFromSecret {
		t.Error("DATABASE_URL does not come from a (required) Secret key")
	}
	if _, inCM := c.cm.Data["DATABASE_URL"]; inCM {
		t.Error("DATABASE_URL is in the ConfigMap; it holds a password")
	}

	// The grace period outlasts the service's own shutdown deadline.
	grace := d.Spec.Template.Spec.TerminationGracePeriodSeconds
	st := shutdownTimeout(t, c.cm.Data)
	if grace == nil {
		t.Errorf("no terminationGracePeriodSeconds; the default 30s does not exceed SHUTDOWN_TIMEOUT=%v", st)
	} else if time.Duration(*grace)*time.Second <= st {
		t.Errorf("terminationGracePeriodSeconds %d does not exceed SHUTDOWN_TIMEOUT=%v", *grace, st)
	}
}

func TestConfigMap(t *testing.T) {
	c := loadCluster(t)
	for _, err := range checkSettings(c.cm.Data) {
		t.Errorf("configmap.yaml: %v", err)
	}
	if u := c.cm.Data["NATS_URL"]; u == "" {
		t.Error("configmap.yaml: no NATS_URL; every replica would start its own embedded server")
	} else if p, err := url.Parse(u); err != nil || p.Scheme != "nats" || p.Host == "" {
		t.Errorf("configmap.yaml: NATS_URL %q is not a nats:// URL", u)
	}
	if p := c.cm.Data["PORT"]; p != "" && p != strconv.Itoa(httpPort) {
		t.Errorf("configmap.yaml: PORT %s, but the probes and Service use %d", p, httpPort)
	}
	ack, err1 := settingDuration(c.cm.Data["ACK_WAIT"])
	eval, err2 := settingDuration(c.cm.Data["EVALUATION_TIMEOUT"])
	if err1 == nil && err2 == nil && ack <= eval {
		t.Errorf("configmap.yaml: ACK_WAIT %v must exceed EVALUATION_TIMEOUT %v, or slow requests are redelivered while running", ack, eval)
	}
}

func TestSecretExample(t *testing.T) {
	c := loadCluster(t)
	src := string(readFile(t, path.Join(k8sDir, "secret.example.yaml")))
	if !strings.Contains(strings.ToUpper(src), "EXAMPLE") {
		t.Error("secret.example.yaml does not say it is an example")
	}
	if len(c.secret.Data) > 0 {
		t.Error("secret.example.yaml uses data; use stringData with visible placeholders")
	}
	if len(c.secret.StringData) == 0 {
		t.Fatal("secret.example.yaml has no stringData")
	}
	for k, v := range c.secret.StringData {
		if !slices.Contains(settings, k) {
			t.Errorf("secret key %s is not a flextime setting", k)
		}
		if !strings.Contains(v, "CHANGE_ME") {
			t.Errorf("secret %s=%q is not an obvious placeholder (CHANGE_ME)", k, v)
		}
	}
}

func TestServicePDBHPA(t *testing.T) {
	c := loadCluster(t)
	ctr := flextimeContainer(t, c.dep)
	pod := c.dep.Spec.Template.Metadata.Labels
	replicas := *c.dep.Spec.Replicas

	matches := func(sel map[string]string) bool {
		if len(sel) == 0 {
			return false
		}
		for k, v := range sel {
			if pod[k] != v {
				return false
			}
		}
		return true
	}

	// Service.
	if !matches(c.svc.Spec.Selector) {
		t.Errorf("service selector %v does not select the pods %v", c.svc.Spec.Selector, pod)
	}
	var http bool
	for _, p := range c.svc.Spec.Ports {
		if p.Name != "http" {
			continue
		}
		http = true
		if p.Port != httpPort {
			t.Errorf("service port http is %d, want %d", p.Port, httpPort)
		}
		target := p.TargetPort
		if target == "" {
			target = intOrString(strconv.Itoa(p.Port))
		}
		if n, ok := ctr.port(target); !ok || n != httpPort {
			t.Errorf("service targetPort %q is not the container's port %d", target, httpPort)
		}
	}
	if !http {
		t.Error("service has no port named http")
	}

	// PodDisruptionBudget.
	if !matches(c.pdb.Spec.Selector.MatchLabels) {
		t.Errorf("PDB selector %v does not select the pods", c.pdb.Spec.Selector.MatchLabels)
	}
	switch {
	case c.pdb.Spec.MinAvailable != nil:
		n, err := strconv.Atoi(string(*c.pdb.Spec.MinAvailable))
		if err == nil && (n < 1 || n >= replicas) {
			t.Errorf("PDB minAvailable %d with %d replicas blocks every eviction or protects nothing", n, replicas)
		}
	case c.pdb.Spec.MaxUnavailable == nil:
		t.Error("PDB sets neither minAvailable nor maxUnavailable")
	}

	// HorizontalPodAutoscaler.
	ref := c.hpa.Spec.ScaleTargetRef
	if ref.Kind != "Deployment" || ref.Name != c.depObj.Metadata.Name || ref.APIVersion != "apps/v1" {
		t.Errorf("HPA scales %s %s (%s), not the Deployment %s", ref.Kind, ref.Name, ref.APIVersion, c.depObj.Metadata.Name)
	}
	if c.hpa.Spec.MinReplicas == nil || *c.hpa.Spec.MinReplicas != replicas {
		t.Errorf("HPA minReplicas %v, want the Deployment's %d", c.hpa.Spec.MinReplicas, replicas)
	}
	if c.hpa.Spec.MaxReplicas <= replicas {
		t.Errorf("HPA maxReplicas %d leaves no room above %d", c.hpa.Spec.MaxReplicas, replicas)
	}
	var cpu bool
	for _, m := range c.hpa.Spec.Metrics {
		if m.Type == "Resource" && m.Resource != nil && m.Resource.Name == "cpu" {
			cpu = true
			u := m.Resource.Target.AverageUtilization
			if m.Resource.Target.Type != "Utilization" || u <= 0 || u > 100 {
				t.Errorf("HPA cpu target %s %d", m.Resource.Target.Type, u)
			}
		}
	}
	if !cpu {
		t.Error("HPA does not scale on cpu")
	}
	if ctr.Resources.Requests["cpu"] == "" {
		t.Error("HPA on cpu utilization needs a cpu request")
	}
}

// ---------------------------------------------------------------------------
// docker compose.

type composeService struct {
	Image string `yaml:"image"`
	Build *struct {
		Context    string `yaml:"context"`
		Dockerfile string `yaml:"dockerfile"`
	} `yaml:"build"`
	Command         yaml.Node  `yaml:"command"`
	Environment     yaml.Node  `yaml:"environment"`
	Ports           []string   `yaml:"ports"`
	Volumes         []string   `yaml:"volumes"`
	DependsOn       yaml.Node  `yaml:"depends_on"`
	Healthcheck     *yaml.Node `yaml:"healthcheck"`
	StopGracePeriod string     `yaml:"stop_grace_period"`
}

type composeFile struct {
	Services map[string]composeService `yaml:"services"`
	Volumes  map[string]any            `yaml:"volumes"`
}

var composeVar = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}`)

// interpolate expands ${NAME:-default} and ${NAME} as docker compose would
// with NAME unset: to the default, or to nothing.
func interpolate(s string) string {
	return composeVar.ReplaceAllString(s, "$2")
}

// env reads a compose environment in either form, a mapping or a list of
// NAME=VALUE, interpolated with every variable unset.
func (s composeService) env(t *testing.T) map[string]string {
	t.Helper()
	env := map[string]string{}
	switch n := s.Environment; n.Kind {
	case 0:
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			env[n.Content[i].Value] = interpolate(n.Content[i+1].Value)
		}
	case yaml.SequenceNode:
		for _, item := range n.Content {
			k, v, _ := strings.Cut(item.Value, "=")
			env[k] = interpolate(v)
		}
	default:
		t.Fatalf("environment at line %d is neither a mapping nor a list", n.Line)
	}
	return env
}

// deps reads depends_on: service name to condition.
func (s composeService) deps(t *testing.T) map[string]string {
	t.Helper()
	deps := map[string]string{}
	switch n := s.DependsOn; n.Kind {
	case 0:
	case yaml.SequenceNode:
		for _, item := range n.Content {
			deps[item.Value] = "service_started"
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			var d struct {
				Condition string `yaml:"condition"`
			}
			if err := n.Content[i+1].Decode(&d); err != nil {
				t.Fatal(err)
			}
			if d.Condition == "" {
				d.Condition = "service_started"
			}
			deps[n.Content[i].Value] = d.Condition
		}
	default:
		t.Fatalf("depends_on at line %d is neither a mapping nor a list", n.Line)
	}
	return deps
}

func readCompose(t *testing.T) composeFile {
	t.Helper()
	var c composeFile
	decodeStrict(t, "docker-compose.yml", &c)
	return c
}

func TestCompose(t *testing.T) {
	c := readCompose(t)
	for _, name := range []string{"nats", "postgres", "redis", "flextime", "prometheus"} {
		if _, ok := c.Services[name]; !ok {
			t.Errorf("docker-compose.yml has no service %s", name)
		}
	}
	if t.Failed() {
		t.FailNow()
	}

	// Each service runs an image or builds one; named volumes are declared,
	// bind mounts exist.
	for name, s := range c.Services {
		if s.Image == "" && s.Build == nil {
			t.Errorf("service %s has neither image nor build", name)
		}
		for _, v := range s.Volumes {
			src, _, ok := strings.Cut(v, ":")
			if !ok {
				continue // an anonymous volume
			}
			if strings.HasPrefix(src, ".") || strings.HasPrefix(src, "/") {
				if !exists(src) {
					t.Errorf("service %s mounts %s, which does not exist", name, src)
				}
			} else if _, ok := c.Volumes[src]; !ok {
				t.Errorf("service %s uses volume %s, which is not declared", name, src)
			}
		}
		// A dependency on a service with a health check waits for it.
		for dep, cond := range s.deps(t) {
			ds, ok := c.Services[dep]
			if !ok {
				t.Errorf("service %s depends on %s, which does not exist", name, dep)
				continue
			}
			if ds.Healthcheck != nil && cond != "service_healthy" {
				t.Errorf("service %s depends on %s with %s; it has a health check, use service_healthy", name, dep, cond)
			}
			if ds.Healthcheck == nil && cond == "service_healthy" {
				t.Errorf("service %s waits for %s to be healthy, but it has no health check", name, dep)
			}
		}
	}
	for _, name := range []string{"nats", "postgres", "redis"} {
		if c.Services[name].Healthcheck == nil {
			t.Errorf("service %s has no healthcheck", name)
		}
		if len(c.Services[name].Volumes) == 0 {
			t.Errorf("service %s keeps its data in no volume", name)
		}
	}

	// NATS with JetStream storing in its volume.
	var natsArgs []string
	natsCmd := c.Services["nats"].Command
	if err := natsCmd.Decode(&natsArgs); err != nil {
		t.Errorf("nats command: %v", err)
	}
	if !slices.Contains(natsArgs, "-js") {
		t.Errorf("nats command %q does not enable JetStream (-js)", natsArgs)
	}
	if i := slices.Index(natsArgs, "-sd"); i < 0 || i+1 == len(natsArgs) {
		t.Errorf("nats command %q sets no storage directory (-sd)", natsArgs)
	} else if !slices.ContainsFunc(c.Services["nats"].Volumes, func(v string) bool { return strings.HasSuffix(v, ":"+natsArgs[i+1]) }) {
		t.Errorf("nats stores in %s, which is not a volume", natsArgs[i+1])
	}

	// flextime: built from deploy/Dockerfile, wired to the others.
	ft := c.Services["flextime"]
	if ft.Build == nil {
		t.Fatal("service flextime has no build")
	}
	if filepath.Clean(ft.Build.Context) != "." {
		t.Errorf("flextime build context %q, want the repository root", ft.Build.Context)
	}
	if ft.Build.Dockerfile != "deploy/Dockerfile" {
		t.Errorf("flextime dockerfile %q, want deploy/Dockerfile", ft.Build.Dockerfile)
	}
	if !exists(path.Join(ft.Build.Context, ft.Build.Dockerfile)) {
		t.Errorf("%s does not exist", ft.Build.Dockerfile)
	}
	deps := ft.deps(t)
	for _, d := range []string{"nats", "postgres", "redis"} {
		if deps[d] != "service_healthy" {
			t.Errorf("flextime depends on %s with %q, want service_healthy", d, deps[d])
		}
	}
	if !slices.ContainsFunc(ft.Ports, func(p string) bool { return strings.HasSuffix(p, ":"+strconv.Itoa(httpPort)) }) {
		t.Errorf("flextime ports %q do not publish %d", ft.Ports, httpPort)
	}

	env := ft.env(t)
	for _, err := range checkSettings(env) {
		t.Errorf("flextime environment: %v", err)
	}
	checkURL := func(name, scheme, host string) *url.URL {
		u, err := url.Parse(env[name])
		if err != nil || u.Scheme != scheme || u.Hostname() != host {
			t.Errorf("flextime %s=%q is not a %s:// URL to the %s service", name, env[name], scheme, host)
			return nil
		}
		return u
	}
	checkURL("NATS_URL", "nats", "nats")
	checkURL("REDIS_URL", "redis", "redis")
	if u := checkURL("DATABASE_URL", "postgres", "postgres"); u != nil {
		pg := c.Services["postgres"].env(t)
		if db := strings.TrimPrefix(u.Path, "/"); db != pg["POSTGRES_DB"] || db != "flextime" {
			t.Errorf("DATABASE_URL names database %q, postgres creates %q", db, pg["POSTGRES_DB"])
		}
		if u.User.Username() != pg["POSTGRES_USER"] && !(pg["POSTGRES_USER"] == "" && u.User.Username() == "postgres") {
			t.Errorf("DATABASE_URL user %q, postgres creates %q", u.User.Username(), pg["POSTGRES_USER"])
		}
	}
	st := shutdownTimeout(t, env)
	if g, err := time.ParseDuration(ft.StopGracePeriod); err != nil || g <= st {
		t.Errorf("flextime stop_grace_period %q must exceed SHUTDOWN_TIMEOUT=%v (compose's default is 10s)", ft.StopGracePeriod, st)
	}

	// prometheus reads deploy/prometheus.
	if !slices.ContainsFunc(c.Services["prometheus"].Volumes, func(v string) bool {
		return strings.HasPrefix(v, "./deploy/prometheus:")
	}) {
		t.Error("prometheus does not mount ./deploy/prometheus")
	}
}

// ---------------------------------------------------------------------------
// Dockerfile.

type instruction struct {
	cmd  string // upper case
	args string
	line int
}

func parseDockerfile(src string) []instruction {
	var out []instruction
	var cur strings.Builder
	start := 0
	sc := bufio.NewScanner(strings.NewReader(src))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "#") || (line == "" && cur.Len() == 0) {
			continue
		}
		if cur.Len() == 0 {
			start = n
		}
		if s, ok := strings.CutSuffix(line, `\`); ok {
			cur.WriteString(s + " ")
			continue
		}
		cur.WriteString(line)
		cmd, args, _ := strings.Cut(strings.TrimSpace(cur.String()), " ")
		out = append(out, instruction{strings.ToUpper(cmd), strings.TrimSpace(args), start})
		cur.Reset()
	}
	return out
}

func TestDockerfile(t *testing.T) {
	const rel = "deploy/Dockerfile"
	ins := parseDockerfile(string(readFile(t, rel)))

	var froms []instruction
	var stages []string
	for _, in := range ins {
		if in.cmd == "FROM" {
			froms = append(froms, in)
			if f := strings.Fields(in.args); len(f) == 3 && strings.EqualFold(f[1], "AS") {
				stages = append(stages, f[2])
			}
		}
	}
	if len(froms) < 2 {
		t.Fatalf("%s: %d FROM lines, want a multi-stage build", rel, len(froms))
	}
	if img := strings.Fields(froms[0].args)[0]; img != "golang:1.26" {
		t.Errorf("%s: builder is %s, want golang:1.26", rel, img)
	}
	runtime := strings.Fields(froms[len(froms)-1].args)[0]
	distroless := strings.Contains(runtime, "distroless")
	if !distroless && !strings.HasPrefix(runtime, "alpine") {
		t.Errorf("%s: runtime image %s is neither distroless nor alpine", rel, runtime)
	}
	if distroless && !strings.Contains(runtime, "nonroot") {
		t.Errorf("%s: distroless runtime %s is not the nonroot variant", rel, runtime)
	}

	// The build, and the binary it produces copied into the last stage.
	final := froms[len(froms)-1].line
	var built string
	var copiedBinary, userSet bool
	var copyDests []string
	var entry, cmd []string
	exposed := map[string]bool{}
	outFlag := regexp.MustCompile(`-o\s+(\S+)`)
	for _, in := range ins {
		switch in.cmd {
		case "RUN":
			if strings.Contains(in.args, "go build") {
				if !strings.Contains(in.args, "./cmd/flextime") {
					t.Errorf("%s:%d: go build does not build ./cmd/flextime", rel, in.line)
				}
				if !strings.Contains(in.args, "CGO_ENABLED=0") {
					t.Errorf("%s:%d: go build without CGO_ENABLED=0; the static runtime has no libc", rel, in.line)
				}
				if m := outFlag.FindStringSubmatch(in.args); m != nil {
					built = m[1]
				}
			}
		case "COPY":
			f := strings.Fields(in.args)
			var from string
			var paths []string
			for _, a := range f {
				if v, ok := strings.CutPrefix(a, "--from="); ok {
					from = v
				} else if !strings.HasPrefix(a, "--") {
					paths = append(paths, a)
				}
			}
			if len(paths) < 2 {
				t.Errorf("%s:%d: COPY %s", rel, in.line, in.args)
				continue
			}
			srcs, dst := paths[:len(paths)-1], paths[len(paths)-1]
			if in.line > final {
				copyDests = append(copyDests, dst)
			}
			if from != "" {
				if !slices.Contains(stages, from) {
					t.Errorf("%s:%d: COPY --from=%s names no stage", rel, in.line, from)
				}
				if in.line > final && built != "" && srcs[0] == built && dst == "/flextime" {
					copiedBinary = true
				}
				continue
			}
			for _, s := range srcs {
				if s != "." && !exists(s) {
					t.Errorf("%s:%d: COPY source %s does not exist in the repository", rel, in.line, s)
				}
			}
		case "ENTRYPOINT":
			if err := json.Unmarshal([]byte(in.args), &entry); err != nil {
				t.Errorf("%s:%d: ENTRYPOINT is not in exec (JSON) form: %v", rel, in.line, err)
			}
		case "CMD":
			if err := json.Unmarshal([]byte(in.args), &cmd); err != nil {
				t.Errorf("%s:%d: CMD is not in exec (JSON) form: %v", rel, in.line, err)
			}
		case "EXPOSE":
			for _, p := range strings.Fields(in.args) {
				exposed[strings.TrimSuffix(p, "/tcp")] = true
			}
		case "USER":
			if in.line > final {
				userSet = true
				if u, _, _ := strings.Cut(in.args, ":"); u == "root" || u == "0" {
					t.Errorf("%s:%d: runs as root", rel, in.line)
				}
			}
		case "HEALTHCHECK":
			if distroless {
				t.Errorf("%s:%d: HEALTHCHECK in a distroless image has nothing to run", rel, in.line)
			}
		}
	}
	if built == "" {
		t.Errorf("%s: no go build -o", rel)
	} else if !copiedBinary {
		t.Errorf("%s: the final stage does not copy %s to /flextime", rel, built)
	}
	if !slices.Equal(entry, []string{"/flextime"}) {
		t.Errorf("%s: ENTRYPOINT %q, want [\"/flextime\"]", rel, entry)
	}
	if len(cmd) == 0 || cmd[0] != "serve" {
		t.Errorf("%s: CMD %q does not run serve", rel, cmd)
	}
	if i := slices.Index(cmd, "--constraints"); i < 0 || i+1 == len(cmd) {
		t.Errorf("%s: CMD %q has no --constraints FILE", rel, cmd)
	} else if !slices.Contains(copyDests, cmd[i+1]) {
		t.Errorf("%s: CMD reads %s, which no COPY in the final stage provides", rel, cmd[i+1])
	}
	for _, p := range []string{strconv.Itoa(httpPort), "14222"} {
		if !exposed[p] {
			t.Errorf("%s: does not EXPOSE %s", rel, p)
		}
	}
	if !userSet && !distroless {
		t.Errorf("%s: the final stage sets no USER", rel)
	}
}

func TestParseDockerfile(t *testing.T) {
	ins := parseDockerfile("# c\nFROM a AS b\n\nRUN x \\\n  && y\nCMD [\"z\"]\n")
	want := []instruction{{"FROM", "a AS b", 2}, {"RUN", "x  && y", 4}, {"CMD", `["z"]`, 6}}
	if !slices.Equal(ins, want) {
		t.Fatalf("got %+v, want %+v", ins, want)
	}
}

// ---------------------------------------------------------------------------
// Prometheus.

type promConfig struct {
	RuleFiles     []string `yaml:"rule_files"`
	ScrapeConfigs []struct {
		JobName       string `yaml:"job_name"`
		MetricsPath   string `yaml:"metrics_path"`
		StaticConfigs []struct {
			Targets []string `yaml:"targets"`
		} `yaml:"static_configs"`
	} `yaml:"scrape_configs"`
}

type alertRules struct {
	Groups []struct {
		Name  string `yaml:"name"`
		Rules []struct {
			Alert       string            `yaml:"alert"`
			Record      string            `yaml:"record"`
			Expr        string            `yaml:"expr"`
			For         string            `yaml:"for"`
			Labels      map[string]string `yaml:"labels"`
			Annotations map[string]string `yaml:"annotations"`
		} `yaml:"rules"`
	} `yaml:"groups"`
}

func TestPrometheusConfig(t *testing.T) {
	var cfg promConfig
	decodeStrict(t, "deploy/prometheus/prometheus.yml", &cfg)
	if len(cfg.RuleFiles) == 0 {
		t.Error("prometheus.yml loads no rule files")
	}
	for _, f := range cfg.RuleFiles {
		if !exists(path.Join("deploy/prometheus", f)) {
			t.Errorf("rule file %s does not exist beside prometheus.yml", f)
		}
	}
	compose := readCompose(t)
	var found bool
	for _, sc := range cfg.ScrapeConfigs {
		if sc.JobName != "flextime" {
			continue
		}
		found = true
		if sc.MetricsPath != "" && sc.MetricsPath != "/metrics" {
			t.Errorf("job flextime scrapes %s, want /metrics", sc.MetricsPath)
		}
		var targets int
		for _, st := range sc.StaticConfigs {
			for _, tg := range st.Targets {
				targets++
				host, port, _ := strings.Cut(tg, ":")
				if _, ok := compose.Services[host]; !ok {
					t.Errorf("target %s is no compose service", tg)
				}
				if port != strconv.Itoa(httpPort) {
					t.Errorf("target %s is not on port %d", tg, httpPort)
				}
			}
		}
		if targets == 0 {
			t.Error("job flextime has no targets")
		}
	}
	if !found {
		t.Error(`prometheus.yml has no job "flextime" (the alerts select on it)`)
	}
}

var (
	promStrings   = regexp.MustCompile(`"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|` + "`[^`]*`")
	promMatchers  = regexp.MustCompile(`\{[^}]*\}`)
	promRanges    = regexp.MustCompile(`\[[^\]]*\]`)
	promGrouping  = regexp.MustCompile(`(?i)\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)`)
	promIdent     = regexp.MustCompile(`[a-zA-Z_:][a-zA-Z0-9_:]*`)
	promOperators = []string{"and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring", "group_left", "group_right", "inf", "nan"}
)

// promMetrics returns the metric names a PromQL expression selects.
func promMetrics(expr string) []string {
	e := promStrings.ReplaceAllString(expr, `""`)
	e = promMatchers.ReplaceAllString(e, " ")
	e = promRanges.ReplaceAllString(e, " ")
	e = promGrouping.ReplaceAllString(e, " ")
	var names []string
	for _, loc := range promIdent.FindAllStringIndex(e, -1) {
		name := e[loc[0]:loc[1]]
		if loc[0] > 0 && strings.ContainsAny(e[loc[0]-1:loc[0]], "0123456789.") {
			continue // part of a number, as in 1e3
		}
		if strings.HasPrefix(strings.TrimSpace(e[loc[1]:]), "(") {
			continue // a function or an aggregation
		}
		if slices.Contains(promOperators, strings.ToLower(name)) {
			continue
		}
		names = append(names, name)
	}
	return names
}

func TestPromMetrics(t *testing.T) {
	for expr, want := range map[string][]string{
		`flextime_circuit_open == 1`: {"flextime_circuit_open"},
		`absent(up{job="flextime"})`: {"up"},
		`histogram_quantile(0.99, sum by (le) (rate(constraint_evaluation_duration_seconds_bucket{a="b c"}[5m]))) > 0.5`: {"constraint_evaluation_duration_seconds_bucket"},
		`rate(x_total[5m]) / on (instance) group_left y and z offset 5m > 1e3`:                                           {"x_total", "y", "z"},
	} {
		if got := promMetrics(expr); !slices.Equal(got, want) {
			t.Errorf("promMetrics(%q) = %q, want %q", expr, got, want)
		}
	}
}

func TestAlerts(t *testing.T) {
	var rules alertRules
	decodeStrict(t, "deploy/prometheus/alerts.yml", &rules)
	if len(rules.Groups) == 0 {
		t.Fatal("alerts.yml has no groups")
	}
	used := map[string]bool{}
	alerts := map[string]bool{}
	circuitFor := time.Duration(-1)
	for _, g := range rules.Groups {
		if g.Name == "" || len(g.Rules) == 0 {
			t.Errorf("group %q is unnamed or empty", g.Name)
		}
		for _, r := range g.Rules {
			if r.Alert == "" {
				t.Errorf("rule %q is not an alert", r.Expr)
				continue
			}
			if alerts[r.Alert] {
				t.Errorf("alert %s is defined twice", r.Alert)
			}
			alerts[r.Alert] = true
			if strings.Count(r.Expr, "(") != strings.Count(r.Expr, ")") {
				t.Errorf("alert %s: unbalanced parentheses in %q", r.Alert, r.Expr)
			}
			names := promMetrics(r.Expr)
			if len(names) == 0 {
				t.Errorf("alert %s: %q selects no metric", r.Alert, r.Expr)
			}
			for _, m := range names {
				if !slices.Contains(metrics, m) {
					t.Errorf("alert %s: %s is not a metric flextime exports", r.Alert, m)
				}
				used[m] = true
			}
			var d time.Duration
			if r.For != "" {
				var err error
				if d, err = time.ParseDuration(r.For); err != nil {
					t.Errorf("alert %s: for %q: %v", r.Alert, r.For, err)
				}
			}
			if slices.Contains(names, "flextime_circuit_open") {
				circuitFor = d
			}
			switch r.Labels["severity"] {
			case "critical", "warning", "info":
			default:
				t.Errorf("alert %s: severity %q", r.Alert, r.Labels["severity"])
			}
			if r.Annotations["summary"] == "" {
				t.Errorf("alert %s has no summary", r.Alert)
			}
		}
	}
	for _, m := range []string{"flextime_circuit_open", "flextime_messages_dead_lettered_total", "up", "constraint_evaluation_duration_seconds_bucket"} {
		if !used[m] {
			t.Errorf("no alert on %s", m)
		}
	}
	if circuitFor < 5*time.Minute {
		t.Errorf("the circuit alert fires after %v, want 5m", circuitFor)
	}
}

// ---------------------------------------------------------------------------
// systemd.

// unitFile is a systemd unit: section to key to values (keys may repeat).
type unitFile map[string]map[string][]string

func parseUnit(src string) (unitFile, error) {
	u := unitFile{}
	var sec string
	sc := bufio.NewScanner(strings.NewReader(src))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			sec = line[1 : len(line)-1]
			if _, dup := u[sec]; dup {
				return nil, fmt.Errorf("line %d: section [%s] twice", n, sec)
			}
			u[sec] = map[string][]string{}
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok || sec == "" {
				return nil, fmt.Errorf("line %d: %q is not KEY=VALUE in a section", n, line)
			}
			k = strings.TrimSpace(k)
			u[sec][k] = append(u[sec][k], strings.TrimSpace(v))
		}
	}
	return u, sc.Err()
}

func (u unitFile) get(sec, key string) string {
	vs := u[sec][key]
	if len(vs) == 0 {
		return ""
	}
	return vs[len(vs)-1]
}

// systemdSeconds parses a systemd time span such as 45, 45s, 1min 30s.
func systemdSeconds(s string) (time.Duration, error) {
	if n, err := strconv.Atoi(s); err == nil {
		return time.Duration(n) * time.Second, nil
	}
	r := strings.NewReplacer("min", "m", " ", "")
	return time.ParseDuration(r.Replace(s))
}

func readEnvFile(t *testing.T, rel string) map[string]string {
	t.Helper()
	env := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(readFile(t, rel)))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			t.Errorf("%s:%d: %q is not NAME=VALUE", rel, n, line)
			continue
		}
		env[k] = v
	}
	return env
}

func TestSystemdUnit(t *testing.T) {
	const rel = "deploy/systemd/flextime.service"
	u, err := parseUnit(string(readFile(t, rel)))
	if err != nil {
		t.Fatalf("%s: %v", rel, err)
	}
	for _, s := range []string{"Unit", "Service", "Install"} {
		if _, ok := u[s]; !ok {
			t.Errorf("%s: no [%s] section", rel, s)
		}
	}
	exec := strings.Fields(u.get("Service", "ExecStart"))
	if len(exec) < 2 || path.Base(exec[0]) != "flextime" || exec[1] != "serve" || !path.IsAbs(exec[0]) {
		t.Errorf("%s: ExecStart %q does not run /abs/path/flextime serve", rel, exec)
	}
	if ef := strings.TrimPrefix(u.get("Service", "EnvironmentFile"), "-"); ef != "/etc/flextime/flextime.env" {
		t.Errorf("%s: EnvironmentFile %q", rel, ef)
	}
	for k, want := range map[string]string{
		"Restart":         "on-failure",
		"KillSignal":      "SIGTERM",
		"NoNewPrivileges": "yes",
		"ProtectSystem":   "strict",
	} {
		if got := u.get("Service", k); got != want {
			t.Errorf("%s: %s=%q, want %q", rel, k, got, want)
		}
	}
	if u.get("Install", "WantedBy") == "" {
		t.Errorf("%s: [Install] has no WantedBy", rel)
	}
	user := u.get("Service", "User")
	if u.get("Service", "DynamicUser") != "yes" && (user == "" || user == "root") {
		t.Errorf("%s: runs as root (no User= and no DynamicUser=yes)", rel)
	}

	// The example environment file: flextime's settings only, and the
	// data directory writable under ProtectSystem=strict.
	const envRel = "deploy/systemd/flextime.env.example"
	env := readEnvFile(t, envRel)
	for _, err := range checkSettings(env) {
		t.Errorf("%s: %v", envRel, err)
	}
	stop, err := systemdSeconds(u.get("Service", "TimeoutStopSec"))
	if st := shutdownTimeout(t, env); err != nil || stop <= st {
		t.Errorf("%s: TimeoutStopSec %q must exceed SHUTDOWN_TIMEOUT=%v", rel, u.get("Service", "TimeoutStopSec"), st)
	}
	dataDir := env["DATA_DIR"]
	if dataDir == "" {
		dataDir = "./data"
	}
	if !path.IsAbs(dataDir) {
		dataDir = path.Join(u.get("Service", "WorkingDirectory"), dataDir)
	}
	var writable bool
	for _, vs := range u["Service"]["ReadWritePaths"] {
		for _, p := range strings.Fields(vs) {
			p = strings.TrimLeft(p, "-+")
			if dataDir == p || strings.HasPrefix(dataDir, p+"/") {
				writable = true
			}
		}
	}
	if !writable {
		t.Errorf("%s: DATA_DIR %s is not under any ReadWritePaths", rel, dataDir)
	}
}

func TestParseUnitRejects(t *testing.T) {
	for _, src := range []string{"Key=value\n", "[Service]\nnot a setting\n", "[A]\n[A]\n"} {
		if _, err := parseUnit(src); err == nil {
			t.Errorf("parseUnit(%q) succeeded", src)
		}
	}
}
