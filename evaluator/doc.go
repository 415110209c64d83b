// Package evaluator scores sports schedules against constraints, exactly
// and incrementally. It is pure: no I/O, no NATS, Redis or SQL.
//
// A Frame indexes a schedule's teams and slots densely. Compile turns a
// constraint set into a Model over a Frame: each constraint's kind (from
// the registry, see Kinds) validates its params against the kind's JSON
// Schema and subscribes counters to the (team, slot) cells it depends on.
// A State holds one schedule under a Model: where each game stands, the
// counters and every constraint's deviation.
//
//	st, err := evaluator.Evaluate(schedule, constraints, evaluator.CompileOptions{})
//	if err != nil {
//		return err // errors.Is(err, evaluator.ErrInput): bad input, the message names the field
//	}
//	fmt.Println(st.Infeasibility(), st.Objective())
//
//	// The scheduler moved a game: re-score from the difference only.
//	if err := st.Update(nextSchedule); errors.Is(err, evaluator.ErrFrameChanged) {
//		st, err = evaluator.Evaluate(nextSchedule, constraints, evaluator.CompileOptions{})
//	}
//	for _, c := range st.Changes() {
//		fmt.Println(c.ConstraintID, c.Before, "->", c.After)
//	}
//
// Full and incremental evaluation are one mechanism: Load places every
// game into an empty schedule through the same side events that Update
// uses for the games that moved, so they agree by construction, and a
// property test holds them to it. Costs are penalty x deviation in
// schemas.Fixed, exact to six decimals.
//
// Explanations (the violations naming games, teams and slots) are built
// only when asked for, by ConstraintResult, Results and Report, and only for
// constraints with a deviation.
package evaluator
