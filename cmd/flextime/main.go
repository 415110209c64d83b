// Command flextime evaluates sports schedules against their constraints.
// Run "flextime --help" for the commands; package cli holds them all.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/flextime/flextime/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// After the first signal starts a graceful stop, the default action
	// comes back: a second signal ends the process at once.
	context.AfterFunc(ctx, stop)
	status := cli.Main(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(status)
}
