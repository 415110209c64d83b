// Package deploy holds the deployment files of flextime: the container
// image (Dockerfile), the Kubernetes manifests (k8s/), the Prometheus
// configuration and alert rules (prometheus/) and a systemd unit (systemd/).
// The docker-compose.yml at the repository root uses the image and the
// Prometheus files. There is no Go code here besides the tests, which parse
// every file and check the properties the service relies on.
package deploy
