// Package schemas holds the JSON Schemas of flextime's documents and the
// Go types and validation that go with them.
//
// The schemas are embedded files (draft 2020-12):
//
//   - schedule.schema.json: the schedule document (CONTRACT §1);
//   - constraint.schema.json: the constraint document (CONTRACT §2);
//   - params/<KIND>.json: the params object of one constraint kind. A new
//     kind needs only its file here; ParamsKinds lists what exists;
//   - request.schema.json, result.schema.json, deadletter.schema.json: the
//     messages of CONTRACT §3 (DecodeRequest, ValidateResultJSON,
//     ValidateDeadLetterJSON). A request embeds schedule.schema.json.
//
// Each schema is compiled once, on first use. Decoding validates in three
// steps: JSON syntax, the JSON Schema, then the rules a schema cannot
// express (unique ids, games naming known teams and slots). Every document
// error wraps ErrInvalid, so a caller can tell bad input from a failure
// worth a retry, and is one line naming the field:
//
//	line 3, column 5: invalid character '}' looking for beginning of object key string
//	games[2]: missing property "away"
//	games[3].home: unknown team "XYZ"
//	schedule.games[3].home: unknown team "XYZ" (in a request)
//	constraint 3 ("mbb-max-road"): penalty: must be >= 0
//	params.mode: must be one of "H", "A" (got "X")
//
// Usage:
//
//	sched, err := schemas.DecodeSchedule(body)
//	if errors.Is(err, schemas.ErrInvalid) {
//		// bad input: dead-letter it, the message says what to fix
//	}
//
//	cons, err := schemas.DecodeConstraints(file) // JSON array, object or NDJSON
//	if err != nil {
//		return fmt.Errorf("%s: %w", name, err)
//	}
//	for _, c := range cons {
//		fmt.Println(c.ID, c.Kind, c.Penalty, c.Priority, c.IsActive()) // defaults applied
//	}
package schemas
