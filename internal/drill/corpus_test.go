package drill

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/nats-io/nats.go"

	"github.com/flextime/flextime/broker"
	"github.com/flextime/flextime/evaluator"
	"github.com/flextime/flextime/schemas"
)

// The issue-9 items a hostile kind depends on, as the report names them.
const (
	itemSeed      = "seed"                          // handled before issue 9
	itemLimits    = "#4 request caps"               // bytes, games, slots, teams
	itemResultCap = "#3/#4 result bytes, poison"    // a result over max payload
	itemSpoof     = "#8 unspoofable replay headers" // Flextime-Replay-Id, Flextime-Request-Time
	itemUTF8ID    = "#11 invalid UTF-8 request_id"
	itemBrief     = "none (brief's list)" // no issue item names it
)

// hostileKind is one kind of bad payload: how to build it and what counts
// as its proper end.
type hostileKind struct {
	name string
	item string
	// build returns the message for request id rid (which the payload may
	// or may not carry).
	build func(b *corpus, rid string) hostileMsg
	// reason must match the dead letter's reason, or the error of a result
	// whose status is not ok.
	reason *regexp.Regexp
	// okFine says a result with status ok is a proper end too: the payload
	// is odd but valid.
	okFine bool
	// truncatedFine says a result with status ok is a proper end when it
	// says it was truncated (truncatedFlag: "truncated": true, or any key
	// naming truncation): issue 9 allows that for a result too large to
	// send.
	truncatedFine bool
	// spoofed: the result must not be filed in history at the time the
	// headers claim.
	spoofed bool
	// heavy kinds cost a serve without request limits gigabytes; they go
	// in a second phase, so that a serve killed for its RSS has already
	// answered the rest.
	heavy bool
}

// hostileMsg is a built hostile message.
type hostileMsg struct {
	subject string
	data    []byte
	hdr     nats.Header
	// ids are the request_ids a result of it may carry.
	ids []string
}

// corpus builds payloads from the Big 12 season.
type corpus struct {
	base []byte // a valid request body, request_id "@RID@"
	smp  *sample
	// bigResult is a request whose result is larger than NATS's max
	// payload, and the size of that result.
	bigResult     []byte
	bigResultSize int
}

const hostileScheduleID = "drill-hostile"

func newCorpus(t *testing.T, smp *sample, maxPayload int) *corpus {
	t.Helper()
	s := *smp.sched
	s.ID = hostileScheduleID
	base, err := json.Marshal(&schemas.Request{RequestID: "@RID@", Schedule: &s})
	if err != nil {
		t.Fatal(err)
	}
	c := &corpus{base: base, smp: smp}
	c.buildBigResult(t, maxPayload)
	return c
}

// buildBigResult makes a small request whose result cannot fit in
// maxPayload: the same two teams meet in every game, all in one window,
// and detail "all" lists every constraint. It grows the game count until
// an offline evaluation's result is larger than the server takes.
func (c *corpus) buildBigResult(t *testing.T, maxPayload int) {
	t.Helper()
	for games := 800; games <= 6400; games *= 2 {
		s := *c.smp.sched
		s.ID = hostileScheduleID
		s.Games = nil
		slot := s.Slots[0].ID
		for i := range games {
			home, away := s.Teams[0].ID, s.Teams[1].ID
			if i%2 == 1 {
				home, away = away, home
			}
			s.Games = append(s.Games, schemas.Game{ID: fmt.Sprintf("x%04d", i), Home: home, Away: away, Slot: &slot})
		}
		st, err := evaluator.Evaluate(&s, evaluator.ForSport(c.smp.cons, s.Sport), evaluator.CompileOptions{})
		if err != nil {
			t.Fatalf("the oversized-result schedule does not evaluate: %v", err)
		}
		res, err := json.Marshal(st.Report(s.ID, s.Sport, true))
		if err != nil {
			t.Fatal(err)
		}
		if len(res) > maxPayload {
			body, err := json.Marshal(&schemas.Request{RequestID: "@RID@", Schedule: &s, Detail: schemas.DetailAll})
			if err != nil {
				t.Fatal(err)
			}
			c.bigResult, c.bigResultSize = body, len(res)
			return
		}
	}
	t.Fatalf("no schedule of up to 6,400 games gives a result over %d bytes", maxPayload)
}

// raw is body with the request id put in, on the hostile subject.
func (c *corpus) raw(rid string, body []byte) hostileMsg {
	return hostileMsg{subject: broker.EvalSubject("mbb", hostileScheduleID), ids: []string{rid},
		data: bytes.ReplaceAll(body, []byte("@RID@"), []byte(rid))}
}

// valid is the base request with request id rid.
func (c *corpus) valid(rid string) hostileMsg { return c.raw(rid, c.base) }

// edit is the base request changed by f, which gets it as generic JSON.
func (c *corpus) edit(rid string, f func(req map[string]any)) hostileMsg {
	dec := json.NewDecoder(bytes.NewReader(c.base))
	dec.UseNumber()
	var req map[string]any
	if err := dec.Decode(&req); err != nil {
		panic(err)
	}
	f(req)
	body, err := json.Marshal(req)
	if err != nil {
		panic(err)
	}
	// json.Marshal escapes what is not valid UTF-8; "@BAD@" is where a
	// kind wants a byte that is not.
	body = bytes.ReplaceAll(body, []byte("@BAD@"), []byte{0xff, 0xfe})
	return c.raw(rid, body)
}

func sched(req map[string]any) map[string]any { return req["schedule"].(map[string]any) }
func games(req map[string]any) []any          { return sched(req)["games"].([]any) }
func game(req map[string]any, i int) map[string]any {
	return games(req)[i].(map[string]any)
}
func team(req map[string]any, i int) map[string]any {
	return sched(req)["teams"].([]any)[i].(map[string]any)
}
func slotObj(req map[string]any, i int) map[string]any {
	return sched(req)["slots"].([]any)[i].(map[string]any)
}

// bare is a payload with no request in it at all.
func bare(body string) func(*corpus, string) hostileMsg {
	return func(c *corpus, rid string) hostileMsg {
		return hostileMsg{subject: broker.EvalSubject("mbb", hostileScheduleID), data: []byte(body)}
	}
}

// set is an edit that sets one field.
func set(f func(req map[string]any)) func(*corpus, string) hostileMsg {
	return func(c *corpus, rid string) hostileMsg { return c.edit(rid, f) }
}

func re(s string) *regexp.Regexp { return regexp.MustCompile("(?i)" + s) }

// hostileKinds is the corpus: at least 40 kinds, the heavy ones last.
var hostileKinds = []hostileKind{
	// Not a request at all.
	{name: "empty body", item: itemSeed, build: bare(""), reason: re(`JSON|empty|EOF|end of`)},
	{name: "null", item: itemSeed, build: bare("null"), reason: re(`object.*null|null`)},
	{name: "array instead of object", item: itemSeed, build: bare("[]"), reason: re(`object.*array`)},
	{name: "array of requests", item: itemSeed, build: func(c *corpus, rid string) hostileMsg {
		m := c.valid(rid)
		m.data = append(append([]byte("["), m.data...), ']')
		m.ids = nil
		return m
	}, reason: re(`object.*array`)},
	{name: "string instead of object", item: itemSeed, build: bare(`"evaluate me"`), reason: re(`object.*string`)},
	{name: "number instead of object", item: itemSeed, build: bare(`42`), reason: re(`object.*number`)},
	{name: "truncated JSON", item: itemSeed, build: func(c *corpus, rid string) hostileMsg {
		m := c.valid(rid)
		m.data = m.data[:len(m.data)/2]
		return m
	}, reason: re(`line \d+|unexpected|EOF|end of`)},
	{name: "binary garbage", item: itemSeed, build: bare("\x00\x01\x02\xff\xfe{{{\x7f"), reason: re(`line \d+|invalid character`)},
	{name: "trailing garbage after object", item: itemSeed, build: func(c *corpus, rid string) hostileMsg {
		m := c.valid(rid)
		m.data = append(m.data, []byte(` {"request_id":"other"}`)...)
		return m
	}, reason: re(`line \d+|after|trailing|invalid`)},
	{name: "UTF-8 BOM before a valid request", item: itemSeed, build: func(c *corpus, rid string) hostileMsg {
		m := c.valid(rid)
		m.data = append([]byte("\xef\xbb\xbf"), m.data...)
		return m
	}, okFine: true, reason: re(`BOM|byte order`)},

	// Request fields missing or of the wrong type.
	{name: "request_id missing", item: itemSeed, build: set(func(r map[string]any) { delete(r, "request_id") }), reason: re(`request_id`)},
	{name: "request_id empty", item: itemSeed, build: set(func(r map[string]any) { r["request_id"] = "" }), reason: re(`request_id`)},
	{name: "request_id a number", item: itemSeed, build: set(func(r map[string]any) { r["request_id"] = 12345 }), reason: re(`request_id`)},
	{name: "request_id of 129 characters", item: itemSeed, build: set(func(r map[string]any) { r["request_id"] = strings.Repeat("r", 129) }), reason: re(`request_id`)},
	{name: "request_id with a control character", item: itemSeed, build: set(func(r map[string]any) { r["request_id"] = "a\x01b" }), reason: re(`request_id`)},
	{name: "invalid UTF-8 in request_id", item: itemUTF8ID, build: func(c *corpus, rid string) hostileMsg {
		m := c.edit(rid, func(r map[string]any) { r["request_id"] = r["request_id"].(string) + "@BAD@" })
		return m
	}, reason: re(`request_id.*(UTF-8|utf8|encoding)|(UTF-8|utf8).*request_id`)},
	{name: "schedule missing", item: itemSeed, build: set(func(r map[string]any) { delete(r, "schedule") }), reason: re(`schedule`)},
	{name: "schedule a string", item: itemSeed, build: set(func(r map[string]any) { r["schedule"] = "big12" }), reason: re(`schedule`)},
	{name: "schedule an empty object", item: itemSeed, build: set(func(r map[string]any) { r["schedule"] = map[string]any{} }), reason: re(`schedule`)},
	{name: "schedule.games an object", item: itemSeed, build: set(func(r map[string]any) { sched(r)["games"] = map[string]any{"g": 1} }), reason: re(`games`)},
	{name: "schedule.sport empty", item: itemSeed, build: set(func(r map[string]any) { sched(r)["sport"] = "" }), reason: re(`sport`)},
	{name: "revision a string", item: itemSeed, build: set(func(r map[string]any) { r["revision"] = "41" }), reason: re(`revision`)},
	{name: "revision negative", item: itemBrief, build: set(func(r map[string]any) { r["revision"] = -1 }), reason: re(`revision`), okFine: true}, // a counter the contract does not bound below; echoed as sent
	{name: "revision out of int64 range", item: itemSeed, build: set(func(r map[string]any) { r["revision"] = json.Number("99999999999999999999") }), reason: re(`revision`)},
	{name: "revision with exponent", item: itemSeed, build: set(func(r map[string]any) { r["revision"] = json.Number("1e30") }), reason: re(`revision`)},
	{name: "detail unknown", item: itemSeed, build: set(func(r map[string]any) { r["detail"] = "everything" }), reason: re(`detail`)},
	{name: "games hint not strings", item: itemSeed, build: set(func(r map[string]any) { r["games"] = []any{1, 2} }), reason: re(`games`)},
	{name: "home team a number", item: itemSeed, build: set(func(r map[string]any) { game(r, 0)["home"] = 7 }), reason: re(`home`)},
	{name: "slot id a string", item: itemSeed, build: set(func(r map[string]any) { game(r, 0)["slot"] = "3" }), reason: re(`slot`)},
	{name: "slot id a fraction", item: itemSeed, build: set(func(r map[string]any) { game(r, 0)["slot"] = json.Number("1.5") }), reason: re(`slot`)},
	{name: "slot id out of range", item: itemSeed, build: set(func(r map[string]any) { slotObj(r, 0)["id"] = json.Number("99999999999999999999") }), reason: re(`slot`)},
	{name: "slots[].id a string", item: itemSeed, build: set(func(r map[string]any) { slotObj(r, 0)["id"] = "0" }), reason: re(`slots`)},
	{name: "latitude out of range", item: itemSeed, build: set(func(r map[string]any) { team(r, 0)["lat"] = 1000 }), reason: re(`lat`)},
	{name: "latitude overflows float64", item: itemSeed, build: set(func(r map[string]any) { team(r, 0)["lat"] = json.Number("1e400") }), reason: re(`lat`)},
	{name: "start not a time", item: itemSeed, build: set(func(r map[string]any) { game(r, 0)["start"] = "tomorrow evening" }), reason: re(`start`)},
	{name: "key differing only in case", item: itemSeed, build: set(func(r map[string]any) { r["Request_ID"] = "x" }), reason: re(`Request_ID|case`)},
	{name: "duplicate keys", item: itemSeed, build: func(c *corpus, rid string) hostileMsg {
		m := c.valid(rid)
		m.data = bytes.Replace(m.data, []byte(`{`), []byte(`{"detail":"bogus","detail":"all",`), 1)
		return m
	}, okFine: true, reason: re(`duplicate|detail`)},

	// Ids that name nothing.
	{name: "unknown home team", item: itemSeed, build: set(func(r map[string]any) { game(r, 0)["home"] = "NOPE" }), reason: re(`home.*unknown team|unknown team`)},
	{name: "home equals away", item: itemSeed, build: set(func(r map[string]any) { game(r, 0)["away"] = game(r, 0)["home"] }), reason: re(`away|home`)},
	{name: "unknown slot", item: itemSeed, build: set(func(r map[string]any) { game(r, 0)["slot"] = 99999 }), reason: re(`slot`)},
	{name: "duplicate game id", item: itemSeed, build: set(func(r map[string]any) { game(r, 1)["id"] = game(r, 0)["id"] }), reason: re(`duplicate|games\[1\]`)},
	{name: "duplicate team id", item: itemSeed, build: set(func(r map[string]any) { team(r, 1)["id"] = team(r, 0)["id"] }), reason: re(`duplicate|teams\[1\]`)},
	{name: "unknown constraint_ids", item: itemSeed, build: set(func(r map[string]any) { r["constraint_ids"] = []any{"no-such-constraint"} }), reason: re(`constraint`)},
	{name: "unknown game in hint", item: itemSeed, build: set(func(r map[string]any) { r["games"] = []any{"no-such-game"} }), reason: re(`games\[0\]|unknown game`)},
	{name: "sport without constraints", item: itemSeed, build: set(func(r map[string]any) { sched(r)["sport"] = "curling" }), reason: re(`sport|constraint`)},

	// Invalid UTF-8 and odd strings elsewhere: replaced or refused, never a crash.
	{name: "invalid UTF-8 in a team name", item: itemSeed, build: set(func(r map[string]any) { team(r, 0)["name"] = "Kan@BAD@sas" }), okFine: true, reason: re(`name|UTF-8`)},
	{name: "invalid UTF-8 in a game id", item: itemSeed, build: set(func(r map[string]any) { game(r, 0)["id"] = "g@BAD@" }), okFine: true, reason: re(`games\[0\]|UTF-8`)},
	{name: "invalid UTF-8 in a key", item: itemSeed, build: set(func(r map[string]any) { r["x@BAD@"] = 1 }), okFine: true, reason: re(`UTF-8|line`)},
	{name: "NUL in a team name", item: itemSeed, build: set(func(r map[string]any) { team(r, 0)["name"] = "Kan\x00sas" }), okFine: true, reason: re(`name|NUL|history`)},
	{name: "deep nesting (100,000 levels)", item: itemSeed, build: func(c *corpus, rid string) hostileMsg {
		m := c.valid(rid)
		deep := strings.Repeat("[", 100000) + strings.Repeat("]", 100000)
		m.data = bytes.Replace(m.data, []byte(`{`), []byte(`{"x":`+deep+`,`), 1)
		return m
	}, reason: re(`depth|nest|line \d+`)},
	{name: "deep nesting in a team name", item: itemSeed, build: func(c *corpus, rid string) hostileMsg {
		m := c.valid(rid)
		deep := strings.Repeat(`{"a":`, 20000) + "1" + strings.Repeat("}", 20000)
		m.data = bytes.Replace(m.data, []byte(`"name":"Arizona"`), []byte(`"name":`+deep), 1)
		return m
	}, reason: re(`depth|nest|name|line \d+`)},

	// Spoofed replay headers: a valid body, headers that only `flextime
	// replay` may set.
	{name: "spoofed Flextime-Replay-Id + far-future Flextime-Request-Time", item: itemSpoof, build: func(c *corpus, rid string) hostileMsg {
		m := c.valid(rid)
		m.hdr = nats.Header{"Flextime-Replay-Id": {"spoof-" + rid}, "Flextime-Request-Time": {"2999-01-01T00:00:00Z"}}
		return m
	}, okFine: true, spoofed: true, reason: re(`Flextime-|replay|header`)},
	{name: "spoofed Flextime-Request-Time in 1970", item: itemSpoof, build: func(c *corpus, rid string) hostileMsg {
		m := c.valid(rid)
		m.hdr = nats.Header{"Flextime-Replay-Id": {"spoof-" + rid}, "Flextime-Request-Time": {"1970-01-02T00:00:00Z"}}
		return m
	}, okFine: true, spoofed: true, reason: re(`Flextime-|replay|header`)},
	{name: "Flextime-Request-Time without a replay id", item: itemSpoof, build: func(c *corpus, rid string) hostileMsg {
		m := c.valid(rid)
		m.hdr = nats.Header{"Flextime-Request-Time": {"2999-01-01T00:00:00Z"}}
		return m
	}, okFine: true, spoofed: true, reason: re(`Flextime-|replay|header`)},
	{name: "Flextime-Request-Time not a time", item: itemSpoof, build: func(c *corpus, rid string) hostileMsg {
		m := c.valid(rid)
		m.hdr = nats.Header{"Flextime-Replay-Id": {"spoof-" + rid}, "Flextime-Request-Time": {"next tuesday"}}
		return m
	}, okFine: true, spoofed: true, reason: re(`Flextime-|replay|header`)},

	// A small request with a result over the max payload, in the first
	// phase, so that the heavy kinds cannot starve its evaluation into a
	// timeout.
	{name: "result over max payload (all games violate)", item: itemResultCap, build: func(c *corpus, rid string) hostileMsg {
		return c.raw(rid, c.bigResult)
	}, truncatedFine: true, reason: re(`result|payload|bytes|size|limit|games`)},

	// Size, the second phase: each under the server's max payload (8 MiB
	// in this drill), each over what serve should take. The 40,000 games
	// go last: they took 4.9 GB before issue 9, and the drill kills serve
	// past rssBound.
	// 7 MB: its dead letter cannot carry it whole in base64 (9.3 MB).
	{name: "oversized body (7,000,000 bytes)", item: itemLimits + ", dead letters fit", heavy: true, build: func(c *corpus, rid string) hostileMsg {
		m := c.valid(rid)
		pad := 7_000_000 - len(m.data) - len(`"pad":"",`)
		m.data = bytes.Replace(m.data, []byte(`{`), []byte(`{"pad":"`+strings.Repeat("p", pad)+`",`), 1)
		return m
	}, reason: re(`bytes|size|too large|limit`)},
	{name: "huge string (3 MB team name)", item: itemLimits, heavy: true, build: set(func(r map[string]any) { team(r, 0)["name"] = strings.Repeat("K", 3_000_000) }),
		reason: re(`bytes|size|too large|limit|name`)},
	{name: "huge games hint (40,000 ids)", item: itemLimits, heavy: true, build: set(func(r map[string]any) {
		id := game(r, 0)["id"]
		hint := make([]any, 40000)
		for i := range hint {
			hint[i] = id
		}
		r["games"] = hint
	}), okFine: true, reason: re(`games|bytes|size|limit`)},
	{name: "huge slots array (40,000 slots)", item: itemLimits, heavy: true, build: set(func(r map[string]any) {
		slots := make([]any, 40000)
		for i := range slots {
			slots[i] = map[string]any{"id": i}
		}
		sched(r)["slots"] = slots
	}), reason: re(`slots|bytes|size|limit`)},
	{name: "huge teams array (20,000 teams)", item: itemLimits, heavy: true, build: set(func(r map[string]any) {
		ts := sched(r)["teams"].([]any)
		for i := len(ts); i < 20000; i++ {
			ts = append(ts, map[string]any{"id": fmt.Sprintf("T%d", i)})
		}
		sched(r)["teams"] = ts
	}), reason: re(`teams|bytes|size|limit`)},
	{name: "huge games array (40,000 placed games)", item: itemLimits, heavy: true, build: set(func(r map[string]any) {
		ts := sched(r)["teams"].([]any)
		gs := make([]any, 40000)
		for i := range gs {
			h := ts[i%len(ts)].(map[string]any)["id"]
			a := ts[(i+1+i/len(ts))%len(ts)].(map[string]any)["id"]
			if h == a {
				a = ts[(i+2)%len(ts)].(map[string]any)["id"]
			}
			gs[i] = map[string]any{"id": fmt.Sprint(i), "home": h, "away": a, "slot": i % 19}
		}
		sched(r)["games"] = gs
	}), reason: re(`games|bytes|size|limit`)},
}
