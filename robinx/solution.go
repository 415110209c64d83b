package robinx

import (
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Solution is a RobinX solution: the scheduled matches and the objective
// values its authors claim.
type Solution struct {
	// Games are the <ScheduledMatch> elements in file order.
	Games []Match
	// Infeasibility and Objective are the <ObjectiveValue> attributes, nil
	// when absent.
	Infeasibility, Objective *int64

	path string // set by ReadSolutionFile, to name the file in errors
}

// Match is one <ScheduledMatch>: team ids as written, the slot id, and the
// XML line it came from, so errors found later can point at it.
type Match struct {
	Home, Away string
	Slot       int
	Line       int
}

// ParseSolution reads a RobinX solution document, plain or gzip-compressed
// (recognised by its magic bytes). It checks the shape
// (every match has a home, an away and an integer slot), not the teams
// and slots, which only the instance knows: Instance.Schedule does that.
// Every error it returns for bad input wraps ErrInvalid.
func ParseSolution(r io.Reader) (*Solution, error) {
	r, err := decompress(r)
	if err != nil {
		return nil, err
	}
	w := newWalker(r)
	sol := &Solution{}
	rootSeen := false
	for {
		tok, err := w.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch {
		case len(w.stack) == 1:
			name := se.Name.Local
			if rootSeen {
				return nil, &inputError{line: w.line, where: elem(name), msg: "a second root element"}
			}
			if name != "Solution" {
				return nil, &inputError{line: w.line, where: elem(name), msg: "the root element must be <Solution>"}
			}
			rootSeen = true
		case w.at("Solution", "MetaData", "ObjectiveValue"):
			if err := sol.objectiveValue(w, se); err != nil {
				return nil, err
			}
		case w.at("Solution", "Games", "ScheduledMatch"):
			m, err := w.match(se)
			if err != nil {
				return nil, err
			}
			sol.Games = append(sol.Games, m)
		}
	}
	if !rootSeen {
		return nil, &inputError{line: w.line, msg: "no <Solution> element"}
	}
	return sol, nil
}

func (sol *Solution) objectiveValue(w *walker, se xml.StartElement) error {
	const where = "<ObjectiveValue>"
	a, err := w.attrMap(se, where)
	if err != nil {
		return err
	}
	for _, f := range []struct {
		name string
		dst  **int64
	}{{"infeasibility", &sol.Infeasibility}, {"objective", &sol.Objective}} {
		v, ok := a[f.name]
		if !ok {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil {
			return &inputError{line: w.line, where: where,
				msg: fmt.Sprintf("attribute %q: %q is not an integer", f.name, short(v))}
		}
		*f.dst = &n
	}
	return nil
}

func (w *walker) match(se xml.StartElement) (Match, error) {
	const where = "<ScheduledMatch>"
	a, err := w.attrMap(se, where)
	if err != nil {
		return Match{}, err
	}
	m := Match{Line: w.line}
	for _, name := range []string{"home", "away", "slot"} {
		v, ok := a[name]
		if !ok {
			return Match{}, &inputError{line: w.line, where: where, msg: fmt.Sprintf("missing attribute %q", name)}
		}
		v = strings.TrimSpace(v)
		if v == "" {
			return Match{}, &inputError{line: w.line, where: where, msg: fmt.Sprintf("attribute %q: empty", name)}
		}
		switch name {
		case "home":
			m.Home = v
		case "away":
			m.Away = v
		case "slot":
			n, msg := parseCount(v)
			if msg != "" {
				return Match{}, &inputError{line: w.line, where: where, msg: `attribute "slot": ` + msg}
			}
			m.Slot = int(n)
		}
	}
	return m, nil
}
