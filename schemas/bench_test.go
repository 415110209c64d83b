package schemas_test

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/flextime/flextime/internal/testenv"
	"github.com/flextime/flextime/robinx"
	"github.com/flextime/flextime/schemas"
)

// BenchmarkDecodeRequestSamples decodes and validates a whole-schedule request as
// serve does for each message: the Big 12 men's basketball sample and
// the ITC2021 Late_01 solution.
func BenchmarkDecodeRequestSamples(b *testing.B) {
	mbb, err := os.ReadFile("../examples/big12/mbb/schedule.json")
	if err != nil {
		b.Fatal(err)
	}
	bodies := []struct {
		name string
		body []byte
	}{{"mbb", append(append([]byte(`{"request_id": "r1", "schedule": `), mbb...), '}')}}
	if paths, ok := testenv.ITC2021(b)["ITC2021_Late_01"]; ok {
		inst, err := robinx.ReadInstanceFile(paths[0])
		if err != nil {
			b.Fatal(err)
		}
		sol, err := robinx.ReadSolutionFile(paths[1])
		if err != nil {
			b.Fatal(err)
		}
		sched, err := inst.Schedule(sol)
		if err != nil {
			b.Fatal(err)
		}
		body, err := json.Marshal(schemas.Request{RequestID: "r1", Schedule: sched})
		if err != nil {
			b.Fatal(err)
		}
		bodies = append(bodies, struct {
			name string
			body []byte
		}{"itc-late01", body})
	}
	for _, c := range bodies {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.body)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := schemas.DecodeRequest(c.body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
