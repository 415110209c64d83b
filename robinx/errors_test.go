package robinx

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// lineOf returns the 1-based line of doc where needle first appears.
func lineOf(t *testing.T, doc, needle string) int {
	t.Helper()
	i := strings.Index(doc, needle)
	if i < 0 {
		t.Fatalf("%q not in document", needle)
	}
	return strings.Count(doc[:i], "\n") + 1
}

func TestParseInstanceErrors(t *testing.T) {
	const ca1 = `<CA1 max="0" min="0" mode="H" penalty="1" slotGroups="" slots="3" teamGroups="" teams="0" type="HARD"/>`
	tests := []struct {
		name     string
		old, new string // replace old with new in tinyInstance
		at       string // text on the line the error names, in the changed document
		want     string // message after "line N: "
	}{
		{"malformed XML", "</Teams>", "</Team>", "</Team>",
			"malformed XML: element <Teams> closed by </Team>"},
		{"unclosed", "</Instance>", "", "", "malformed XML: unexpected EOF"},
		{"unknown team", ca1, strings.Replace(ca1, `teams="0"`, `teams="25"`, 1), `teams="25"`,
			`CA1 #1: attribute "teams": unknown team "25"`},
		{"multi-line element", ca1, strings.ReplaceAll(strings.Replace(ca1, `teams="0"`, `teams="25"`, 1), `" `, "\"\n        "), `<CA1 max="0"`,
			`CA1 #1: attribute "teams": unknown team "25"`},
		{"unknown team in teams2", `teams2="1;2"`, `teams2="1;7"`, `teams2="1;7"`,
			`CA2 #1: attribute "teams2": unknown team "7"`},
		{"slot out of range", ca1, strings.Replace(ca1, `slots="3"`, `slots="6"`, 1), `slots="6"`,
			`CA1 #1: attribute "slots": unknown slot 6`},
		{"slot not an integer", ca1, strings.Replace(ca1, `slots="3"`, `slots="3;x"`, 1), `slots="3;x"`,
			`CA1 #1: attribute "slots": "x" is not an integer`},
		{"missing mode", ca1, strings.Replace(ca1, ` mode="H"`, "", 1), `<CA1 max="0" min="0" penalty`,
			`CA1 #1: missing attribute "mode"`},
		{"missing penalty", `<SE1 mode1="SLOTS" min="1" penalty="1"`, `<SE1 mode1="SLOTS" min="1"`, `<SE1`,
			`SE1 #1: missing attribute "penalty"`},
		{"missing slot id", `<slot id="4" name="Slot 4" slotGroup=""/>`, `<slot name="Slot 4"/>`, `<slot name="Slot 4"/>`,
			`<slot>: missing attribute "id"`},
		{"missing team id", `<team id="3" league="0" name="Team 3"/>`, `<team name="Team 3"/>`, `<team name="Team 3"/>`,
			`<team>: missing attribute "id"`},
		{"duplicate team", `<team id="3"`, `<team id="1"`, `<team id="1" league="0" name="Team 3"`,
			`<team>: team id "1" already declared at line 16`},
		{"duplicate slot", `<slot id="5"`, `<slot id="0"`, `<slot id="0" name="Slot 5"`,
			`<slot>: slot id 0 already declared at line 21`},
		{"negative slot", `<slot id="5"`, `<slot id="-5"`, `<slot id="-5"`,
			`<slot>: attribute "id": -5 is negative`},
		{"unknown constraint element", `<SE1 mode1`, `<SE9 mode1`, `<SE9`,
			`<SE9>: unknown constraint element`},
		{"unknown group member", `<BasicConstraints/>`, `<BasicConstraints><Foo/></BasicConstraints>`, `<Foo/>`,
			`<Foo>: unknown constraint element`},
		{"bad type", ca1, strings.Replace(ca1, `type="HARD"`, `type="MEDIUM"`, 1), `type="MEDIUM"`,
			`CA1 #1: attribute "type": "MEDIUM" is not HARD or SOFT`},
		{"missing type", ca1, strings.Replace(ca1, ` type="HARD"`, "", 1), `<CA1 max="0"`,
			`CA1 #1: missing attribute "type"`},
		{"max not integer", `<CA1 max = "1"`, `<CA1 max = "1.5"`, `"1.5"`,
			`CA1 #2: attribute "max": "1.5" is not an integer`},
		{"penalty not integer", `penalty="10"`, `penalty="ten"`, `penalty="ten"`,
			`CA4 #1: attribute "penalty": "ten" is not an integer`},
		{"penalty negative", `penalty="10"`, `penalty="-10"`, `penalty="-10"`,
			`CA4 #1: attribute "penalty": -10 is negative`},
		{"penalty too large", `penalty="10"`, `penalty="99999999999999999999"`, `penalty="9999`,
			`CA4 #1: attribute "penalty": 99999999999999999999 is out of range (0 to 2147483647)`},
		{"bad mode", `mode2="EVERY"`, `mode2="SOMETIMES"`, `mode2="SOMETIMES"`,
			`CA4 #1: attribute "mode2": "SOMETIMES" is not one of GLOBAL, EVERY`},
		{"CA1 mode HA", ca1, strings.Replace(ca1, `mode="H"`, `mode="HA"`, 1), `mode="HA"`,
			`CA1 #1: attribute "mode": "HA" is not one of H, A`},
		{"missing intp", `<CA3 intp="3" `, `<CA3 `, `<CA3`,
			`CA3 #1: missing attribute "intp"`},
		{"bad meeting", `meetings="1,3;2,0;"`, `meetings="1,3;2;"`, `meetings=`,
			`GA1 #1: attribute "meetings": "2" is not a home,away pair`},
		{"unknown team in meeting", `meetings="1,3;2,0;"`, `meetings="1,3;2,9;"`, `meetings=`,
			`GA1 #1: attribute "meetings": unknown team "9"`},
		{"empty team list", `teams="3" type="HARD"`, `teams="" type="HARD"`, `<BR1`,
			`BR1 #1: attribute "teams": empty list`},
		{"team groups", ca1, strings.Replace(ca1, `teamGroups=""`, `teamGroups="1"`, 1), `teamGroups="1"`,
			`CA1 #1: attribute "teamGroups": team and slot groups are not supported`},
		{"repeated attribute", `<SE1 mode1="SLOTS"`, `<SE1 mode1="SLOTS" mode1="SLOTS"`, `<SE1`,
			`SE1 #1: attribute "mode1" given twice`},
		{"bad numberRoundRobin", `<numberRoundRobin>2<`, `<numberRoundRobin>two<`, `<numberRoundRobin>`,
			`<numberRoundRobin>: "two" is not a positive integer`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(tinyInstance, tt.old) {
				t.Fatalf("%q not in the tiny instance", tt.old)
			}
			doc := strings.Replace(tinyInstance, tt.old, tt.new, 1)
			line := strings.Count(doc, "\n") + 1
			if tt.at != "" {
				line = lineOf(t, doc, tt.at)
			}
			_, err := ParseInstance(strings.NewReader(doc))
			checkErr(t, err, fmt.Sprintf("line %d: %s", line, tt.want))
		})
	}
}

func TestParseInstanceDocumentErrors(t *testing.T) {
	tests := []struct{ name, doc, want string }{
		{"empty", "", "line 1: no <Instance> element"},
		{"not XML", "hello", "line 1: no <Instance> element"},
		{"garbage", "<<<", "line 1: malformed XML: expected element name after <"},
		{"wrong root", "<?xml version=\"1.0\"?>\n<Solution/>", "line 2: <Solution>: the root element must be <Instance>"},
		{"two roots", "<Instance/>\n<Instance/>", "line 2: <Instance>: a second root element"},
		{"no teams", "<Instance>\n<Resources/>\n</Instance>", "line 3: <Instance>: no teams declared"},
		{"no slots", "<Instance><Resources><Teams><team id=\"0\"/></Teams></Resources>\n</Instance>", "line 2: <Instance>: no slots declared"},
		{"deep", strings.Repeat("<Instance>", 100), "line 1: <Instance>: elements nested more than 64 deep"},
		{"charset", `<?xml version="1.0" encoding="EBCDIC"?><Instance/>`, `line 1: malformed XML: xml: encoding "EBCDIC" declared but Decoder.CharsetReader is nil`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseInstance(strings.NewReader(tt.doc))
			checkErr(t, err, tt.want)
		})
	}
}

func TestSolutionErrors(t *testing.T) {
	parse := []struct{ name, old, new, want string }{
		{"missing slot", `away="3" slot="1"`, `away="3"`, `line 11: <ScheduledMatch>: missing attribute "slot"`},
		{"slot not integer", `away="3" slot="1"`, `away="3" slot="one"`, `line 11: <ScheduledMatch>: attribute "slot": "one" is not an integer`},
		{"empty home", `home="1" away="3"`, `home="" away="3"`, `line 11: <ScheduledMatch>: attribute "home": empty`},
		{"objective", `objective="7"`, `objective="7.5"`, `line 5: <ObjectiveValue>: attribute "objective": "7.5" is not an integer`},
		{"malformed", `</Games>`, `</Game>`, `line 20: malformed XML: element <Games> closed by </Game>`},
		{"wrong root", `<Solution>`, `<Instance>`, `line 2: <Instance>: the root element must be <Solution>`},
	}
	for _, tt := range parse {
		t.Run(tt.name, func(t *testing.T) {
			doc := strings.Replace(tinySolution, tt.old, tt.new, 1)
			if doc == tinySolution {
				t.Fatalf("%q not in the tiny solution", tt.old)
			}
			_, err := ParseSolution(strings.NewReader(doc))
			checkErr(t, err, tt.want)
		})
	}

	in, err := ParseInstance(strings.NewReader(tinyInstance))
	if err != nil {
		t.Fatal(err)
	}
	schedule := []struct{ name, old, new, want string }{
		{"unknown home", `home="1" away="3"`, `home="16" away="3"`, `line 11: <ScheduledMatch>: attribute "home": unknown team "16"`},
		{"unknown away", `home="1" away="3"`, `home="1" away="x"`, `line 11: <ScheduledMatch>: attribute "away": unknown team "x"`},
		{"unknown slot", `away="3" slot="1"`, `away="3" slot="6"`, `line 11: <ScheduledMatch>: attribute "slot": unknown slot 6`},
		{"plays itself", `home="1" away="3"`, `home="3" away="3"`, `line 11: <ScheduledMatch>: team "3" plays itself`},
		{"duplicate match", `home="3" away="1" slot="4"`, `home="2" away="3" slot="4"`, `line 17: <ScheduledMatch>: game 2-3 already scheduled at line 9`},
	}
	for _, tt := range schedule {
		t.Run(tt.name, func(t *testing.T) {
			doc := strings.Replace(tinySolution, tt.old, tt.new, 1)
			if doc == tinySolution {
				t.Fatalf("%q not in the tiny solution", tt.old)
			}
			sol, err := ParseSolution(strings.NewReader(doc))
			if err != nil {
				t.Fatal(err)
			}
			_, err = in.Schedule(sol)
			checkErr(t, err, tt.want)

			// Read from a file, the error names it.
			path := filepath.Join(t.TempDir(), "tiny.xml")
			if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
				t.Fatal(err)
			}
			sol, err = ReadSolutionFile(path)
			if err != nil {
				t.Fatal(err)
			}
			_, err = in.Schedule(sol)
			checkErr(t, err, path+": "+tt.want)
		})
	}
}

func checkErr(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %q", want)
	}
	if !errors.Is(err, ErrInvalid) {
		t.Errorf("error %q does not wrap ErrInvalid", err)
	}
	if got := err.Error(); got != want {
		t.Errorf("error\n got %q\nwant %q", got, want)
	}
	if strings.Contains(err.Error(), "\n") {
		t.Errorf("error is more than one line: %q", err)
	}
}

func gzipped(t *testing.T, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := zw.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestReadFilesGzipDetection(t *testing.T) {
	dir := t.TempDir()
	// gzip is told by its magic bytes, not by the name.
	files := map[string][]byte{
		"Tiny_01.XML":        gzipped(t, tinyInstance),
		"tiny_02.xml.gz":     []byte(tinyInstance),
		"Tiny_03.xml.gz":     gzipped(t, tinyInstance),
		"sol.xml":            gzipped(t, tinySolution),
		"sol.xml.gz":         []byte(tinySolution),
		"truncated.xml.gz":   gzipped(t, tinyInstance)[:200],
		"bad-header.xml.gz":  {0x1f, 0x8b, 0, 0},
		"one-byte.xml":       {0x1f},
		"gzipped-empty.xml":  gzipped(t, ""),
		"sol-truncated.gz":   gzipped(t, tinySolution)[:100],
		"sol-bad-header.xml": {0x1f, 0x8b, 1},
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for name, sport := range map[string]string{"Tiny_01.XML": "tiny_01", "tiny_02.xml.gz": "tiny_02", "Tiny_03.xml.gz": "tiny_03"} {
		in, err := ReadInstanceFile(filepath.Join(dir, name))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if in.Sport != sport || len(in.Constraints) != 10 || in.Constraints[9].Sport != sport {
			t.Errorf("%s: sport %q, %d constraints", name, in.Sport, len(in.Constraints))
		}
		s, err := in.Schedule(nil)
		if err != nil || s.ID != sport || s.Sport != sport {
			t.Errorf("%s: schedule %v %v", name, s, err)
		}
	}
	for _, name := range []string{"sol.xml", "sol.xml.gz"} {
		sol, err := ReadSolutionFile(filepath.Join(dir, name))
		if err != nil || len(sol.Games) != 12 {
			t.Errorf("%s: %v", name, err)
		}
	}

	bad := map[string]string{
		"truncated.xml.gz":   "reading input: unexpected EOF",
		"bad-header.xml.gz":  "gzip: unexpected EOF",
		"one-byte.xml":       "malformed XML",
		"gzipped-empty.xml":  "no <Instance> element",
		"sol-truncated.gz":   "reading input: unexpected EOF",
		"sol-bad-header.xml": "gzip:",
		"missing.xml":        "no such file or directory",
	}
	for name, want := range bad {
		path := filepath.Join(dir, name)
		var err error
		if strings.HasPrefix(name, "sol") {
			_, err = ReadSolutionFile(path)
		} else {
			_, err = ReadInstanceFile(path)
		}
		if err == nil {
			t.Errorf("%s: no error", name)
			continue
		}
		if !errors.Is(err, ErrInvalid) || !strings.HasPrefix(err.Error(), path+": ") || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %q, want ErrInvalid, the path and %q", name, err, want)
		}
	}

	_, err := ReadInstanceFile(filepath.Join(dir, "missing.xml"))
	if !errors.Is(err, fs.ErrNotExist) || !errors.Is(err, ErrInvalid) {
		t.Errorf("missing file: %v does not wrap fs.ErrNotExist and ErrInvalid", err)
	}
	if want := filepath.Join(dir, "missing.xml") + ": no such file or directory"; err.Error() != want {
		t.Errorf("missing file: %q, want %q", err, want)
	}
}

func TestSportFromPath(t *testing.T) {
	for path, want := range map[string]string{
		"/data/ITC2021_Late_01.xml.gz": "itc2021_late_01",
		"ITC2021_Early_3.XML":          "itc2021_early_3",
		"x.gz":                         "x",
		"plain":                        "plain",
	} {
		if got := SportFromPath(path); got != want {
			t.Errorf("SportFromPath(%q) = %q, want %q", path, got, want)
		}
	}
}

func TestInputLimits(t *testing.T) {
	old := inputLimit
	inputLimit = 300
	defer func() { inputLimit = old }()
	want := fmt.Sprintf("line %d: input is larger than 300 bytes", strings.Count(tinyInstance[:300], "\n")+1)
	_, err := ParseInstance(strings.NewReader(tinyInstance))
	checkErr(t, err, want)
	// The limit applies to the decompressed stream, so a gzip bomb stops too.
	_, err = ParseInstance(bytes.NewReader(gzipped(t, tinyInstance)))
	checkErr(t, err, want)
	inputLimit = old

	// A huge value is cut short in the message.
	long := strings.Repeat("9", 10000)
	doc := strings.Replace(tinyInstance, `teams="3" type="HARD"`, `teams="`+long+`" type="HARD"`, 1)
	_, err = ParseInstance(strings.NewReader(doc))
	checkErr(t, err, fmt.Sprintf("line %d: ", lineOf(t, doc, "<BR1"))+`BR1 #1: attribute "teams": unknown team "`+long[:maxQuoted]+`..."`)
	doc = strings.Replace(tinyInstance, `<BasicConstraints/>`, "<"+strings.Repeat("x", 10000)+"/>", 1)
	_, err = ParseInstance(strings.NewReader(doc))
	if err == nil || len(err.Error()) > 200 {
		t.Errorf("long element name: %v", err)
	}
}
