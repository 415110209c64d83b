package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// app is one run of the command line: its streams, and whether the
// command line was understood well enough for a command to start.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	// started is set once cobra has found the command and parsed its
	// flags and arguments. An error before that is a usage error.
	started bool
}

// Main runs the flextime command line: args are the arguments after the
// program name. It writes results to stdout and, on failure, exactly one
// line to stderr, and returns the exit status of CONTRACT §4: 0 when the
// command did its job (an infeasible schedule included), 2 for bad input
// or usage, 1 for anything else. A panic is recovered and reported as an
// internal error with status 1.
func Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) (status int) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "flextime: internal error: %s\n", oneLine(fmt.Sprint(r)))
			status = ExitFailure
		}
	}()
	a := &app{stdin: stdin, stdout: stdout, stderr: stderr}
	root := a.rootCommand()
	if args == nil {
		args = []string{} // cobra reads os.Args when given nil
	}
	root.SetArgs(args)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return ExitOK
	}
	if !a.started {
		err = asUsage(err)
	}
	msg := oneLine(err.Error())
	if errors.Is(err, context.Canceled) {
		msg = "interrupted"
	}
	if errors.Is(err, ErrUsage) && cmd != nil && cmd != root {
		msg = strings.TrimPrefix(cmd.CommandPath(), root.Name()+" ") + ": " + msg
	}
	fmt.Fprintln(stderr, "flextime: "+msg)
	return exitStatus(err)
}

// rootCommand builds the command tree.
func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "flextime",
		Short: "Evaluate sports schedules against their constraints",
		Long: `flextime scores sports schedules against constraint sets: the hard
constraints give the infeasibility, the soft ones the objective.

Exit status: 0 when the command did its job (an infeasible schedule
included), 2 for bad input or usage, 1 for any other failure.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		// Cobra finds the command and checks its flags and arguments
		// before this hook: an error without it is a usage error.
		PersistentPreRun: func(*cobra.Command, []string) { a.started = true },
		RunE:             groupRun,
	}
	root.CompletionOptions.DisableDefaultCmd = true
	root.SetIn(a.stdin)
	root.SetOut(a.stdout)
	root.SetErr(a.stderr)
	root.SetFlagErrorFunc(flagError)
	root.AddCommand(
		a.itc2021Command(),
		a.evaluateCommand(),
		a.improveCommand(),
		a.constraintsCommand(),
		a.serveCommand(),
		a.benchCommand(),
		a.streamsCommand(),
		a.publishCommand(),
		a.resultsCommand(),
		a.demoCommand(),
		a.cacheCommand(),
		a.replayCommand(),
		a.versionCommand(),
		a.migrateCommand(),
	)
	tidyUsage(root)
	return root
}

// tidyUsage adjusts help for how the commands are written: each Use line
// lists its flags already, and a group of commands runs only to report a
// usage error, so its help shows no usage line of its own.
func tidyUsage(root *cobra.Command) {
	root.SetUsageTemplate(strings.Replace(root.UsageTemplate(),
		"{{if .Runnable}}", "{{if and .Runnable (not .HasAvailableSubCommands)}}", 1))
	var walk func(*cobra.Command)
	walk = func(c *cobra.Command) {
		c.DisableFlagsInUseLine = true
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// flagError turns the flag parser's errors into usage errors, saying in
// plain words what is wrong with a value.
func flagError(_ *cobra.Command, err error) error {
	var ive *pflag.InvalidValueError
	if errors.As(err, &ive) {
		f := ive.GetFlag()
		return usagef("--%s: %q is not a valid %s", f.Name, ive.GetValue(), f.Value.Type())
	}
	return asUsage(err)
}

// groupRun runs a command that only groups others: named alone or with
// an unknown subcommand, it is a usage error.
func groupRun(cmd *cobra.Command, args []string) error {
	var names []string
	for _, c := range cmd.Commands() {
		if c.IsAvailableCommand() && c.Name() != "help" {
			names = append(names, c.Name())
		}
	}
	slices.Sort(names)
	if len(args) == 0 {
		return usagef("missing command, one of: %s (see %s --help)", strings.Join(names, ", "), cmd.CommandPath())
	}
	msg := fmt.Sprintf("unknown command %q", args[0])
	cmd.SuggestionsMinimumDistance = max(cmd.SuggestionsMinimumDistance, 2)
	if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
		msg += fmt.Sprintf(" (did you mean %q?)", s[0])
	} else {
		msg += ", want one of: " + strings.Join(names, ", ")
	}
	return usagef("%s", msg)
}

// exactArgs checks that a command got one argument per name in names,
// saying which are missing or extra.
func exactArgs(names ...string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		return argCount(cmd, args, names)
	}
}

// argCount checks args against names, the arguments cmd takes.
func argCount(cmd *cobra.Command, args, names []string) error {
	use := strings.TrimSuffix(cmd.UseLine(), " [flags]")
	switch {
	case len(args) < len(names):
		return usagef("missing %s (usage: %s)", strings.Join(names[len(args):], " and "), use)
	case len(args) > len(names) && len(names) == 0:
		return usagef("unexpected argument %q (the command takes none)", args[0])
	case len(args) > len(names):
		return usagef("unexpected argument %q (usage: %s)", args[len(names)], use)
	}
	return nil
}

func (a *app) versionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version of flextime",
		Args:  exactArgs(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintln(cmd.OutOrStdout(), version())
			return err
		},
	}
}

// version returns the main module's version as the build recorded it, or
// "devel" for a build from a working tree.
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok || bi.Main.Version == "" || bi.Main.Version == "(devel)" {
		return "devel"
	}
	return bi.Main.Version
}
