// Package cli is the flextime command line. Main runs it in process, so
// that cmd/flextime only wires the process's arguments, streams and
// signals to it, and tests run commands with buffers:
//
//	var out, errOut bytes.Buffer
//	status := cli.Main(ctx, []string{"itc2021", "evaluate", "--json", inst, sol}, nil, &out, &errOut)
//	// status 0: out holds the JSON; 2: errOut holds one line such as
//	// "flextime: sol.xml: line 10: <ScheduledMatch>: attribute "slot": unknown slot 99"
//
// The commands:
//
//	flextime itc2021 evaluate [--json] [--sport S] INSTANCE SOLUTION
//	flextime itc2021 export [--sport S] INSTANCE
//	flextime itc2021 export --schedule [--sport S] INSTANCE SOLUTION
//	flextime itc2021 bench [--full N] [--moves N] [--seed S] INSTANCE SOLUTION
//	flextime evaluate --schedule FILE --constraints FILE [--json] [--detail violated|all]
//	flextime constraints kinds
//	flextime version
//
// Exit statuses follow CONTRACT §4: 0 when the command did its job (an
// infeasible schedule is still a job done), 2 for bad input or usage with
// one line on stderr naming the file, the field and the problem, 1 for
// anything else.
package cli
