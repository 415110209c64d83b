// Package improve searches for a better schedule: a local search on the
// evaluator's incremental kernel. Each move (a game to a free slot, two
// games trading slots, two slots trading all or some teams' games, home
// and away swapped in a game, a pair's meetings or a cycle of three) is
// applied with State.Apply, scored from the difference, and kept or
// undone; locked games never move, and a sound schedule stays sound (no
// team twice in a slot, home-and-away pairs kept, phased legs apart). Hard
// constraints come first: schedules are ordered by infeasibility, then
// objective, and accepted by late-acceptance hill climbing.
//
// The search trusts the kernel, and Confirm does not: it evaluates the
// written document from scratch and compares every deviation, so a score
// the search reports is one a full evaluation gives.
//
//	st, err := evaluator.Evaluate(schedule, constraints, evaluator.CompileOptions{})
//	if err != nil {
//		return err
//	}
//	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
//	defer cancel()
//	res, err := improve.Search(ctx, st, improve.Options{Seed: 1, TargetSoftPct: 85})
//	if err != nil {
//		return err
//	}
//	out := improve.Document(st, schedule)
//	if err := improve.Confirm(st, out, constraints, evaluator.CompileOptions{}); err != nil {
//		return err // errors.Is(err, improve.ErrMismatch)
//	}
//	fmt.Println(res.Before.Objective, "->", res.After.Objective, res.Stop)
//
// For a result that does not depend on the machine, give MaxMoves and no
// deadline: the same seed then makes the same moves.
//
// The package does no I/O; the flextime improve command reads the files,
// shows progress and prints the report.
package improve
