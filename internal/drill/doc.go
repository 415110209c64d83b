// Package drill holds the fault drills of issue 9 as tests: they build
// the real flextime binary, run `flextime serve` as a subprocess against
// an in-process NATS server and the machine's Postgres, and play what an
// operator's drill plays from outside.
//
//   - TestChaosKill9 kills serve with SIGKILL three times while requests
//     arrive, restarts it each time, and checks that every request has
//     exactly one correct result and one history summary.
//   - TestHostileCorpus sends dozens of kinds of bad payloads among valid
//     requests and checks that each ends as a result or a dead letter that
//     names the problem, that valid traffic is answered, that serve's RSS
//     stays bounded and that nothing is redelivered forever.
//
// The package has no code of its own: everything is in its tests. Run
//
//	go test ./internal/drill/            # the full drills
//	go test -short ./internal/drill/     # smaller counts, every check kept
//
// Without Postgres they skip (and fail under CI=true), as the other
// packages' tests do.
package drill
