package robinx

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/flextime/flextime/schemas"
)

// Format is the instance's structure: rounds, compactness and phasing.
// RoundRobins is 0 when the file does not say.
type Format struct {
	RoundRobins int  // <numberRoundRobin>, 2 for every ITC2021 instance
	Compact     bool // <compactness> is "C": every team plays in every slot
	Phased      bool // <gameMode> is "P": each half is a single round robin
}

// Instance is a RobinX problem instance mapped onto the flextime documents
// of CONTRACT §1 and §2.
type Instance struct {
	// Name is the <InstanceName>, such as "Late 1".
	Name string
	// Sport is the file's base name in lower case without .xml or
	// .xml.gz ("itc2021_late_01"). ReadInstanceFile sets it; ParseInstance
	// leaves it empty. Change it with SetSport.
	Sport  string
	Format Format
	// Teams have the XML id as ID ("0", "1", ...) and the name attribute.
	Teams []schemas.Team
	// Slots have the XML slot id as ID and the name attribute.
	Slots []schemas.Slot
	// Constraints holds one document per constraint element, in document
	// order.
	Constraints []schemas.Constraint
}

// SetSport sets the sport of the instance and of all its constraints.
func (in *Instance) SetSport(s string) {
	in.Sport = s
	for i := range in.Constraints {
		in.Constraints[i].Sport = s
	}
}

// rawConstraint is a constraint element as read; it is checked once the
// whole document, and so every team and slot, is known.
type rawConstraint struct {
	kind  string
	n     int // 1-based among elements of the same kind
	line  int
	attrs map[string]string
}

func (c *rawConstraint) where() string { return c.kind + " #" + strconv.Itoa(c.n) }

// ParseInstance reads a RobinX instance document, plain or gzip-compressed
// (recognised by its magic bytes). Every error it returns
// for bad input wraps ErrInvalid and reads "line N: <element>: problem".
// The result's Sport is empty.
func ParseInstance(r io.Reader) (*Instance, error) {
	r, err := decompress(r)
	if err != nil {
		return nil, err
	}
	w := newWalker(r)
	in := &Instance{}
	teamLine := map[string]int{}
	slotLine := map[int]int{}
	perKind := map[string]int{}
	var raws []rawConstraint
	rootSeen := false

	var text strings.Builder
	capture := 0 // depth of the element whose text is collected, or 0
	for {
		tok, err := w.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			name := t.Name.Local
			depth := len(w.stack)
			switch {
			case depth == 1:
				if rootSeen {
					return nil, &inputError{line: w.line, where: elem(name), msg: "a second root element"}
				}
				if name != "Instance" {
					return nil, &inputError{line: w.line, where: elem(name), msg: "the root element must be <Instance>"}
				}
				rootSeen = true
			case w.at("Instance", "MetaData", "InstanceName"),
				w.at("Instance", "Structure", "Format", "numberRoundRobin"),
				w.at("Instance", "Structure", "Format", "compactness"),
				w.at("Instance", "Structure", "Format", "gameMode"):
				capture = depth
				text.Reset()
			case w.at("Instance", "Resources", "Teams", "team"):
				team, err := w.team(t)
				if err != nil {
					return nil, err
				}
				if prev, dup := teamLine[team.ID]; dup {
					return nil, &inputError{line: w.line, where: "<team>",
						msg: fmt.Sprintf("team id %q already declared at line %d", short(team.ID), prev)}
				}
				teamLine[team.ID] = w.line
				in.Teams = append(in.Teams, team)
			case w.at("Instance", "Resources", "Slots", "slot"):
				slot, err := w.slot(t)
				if err != nil {
					return nil, err
				}
				if prev, dup := slotLine[slot.ID]; dup {
					return nil, &inputError{line: w.line, where: "<slot>",
						msg: fmt.Sprintf("slot id %d already declared at line %d", slot.ID, prev)}
				}
				slotLine[slot.ID] = w.line
				in.Slots = append(in.Slots, slot)
			case depth == 3 && w.stack[1] == "Constraints" && !isKind(name) && strings.HasSuffix(name, "Constraints"):
				// A group such as <CapacityConstraints>.
			case depth == 3 && w.stack[1] == "Constraints",
				depth == 4 && w.stack[1] == "Constraints" && !isKind(w.stack[2]):
				if !isKind(name) {
					return nil, &inputError{line: w.line, where: elem(name), msg: "unknown constraint element"}
				}
				perKind[name]++
				c := rawConstraint{kind: name, n: perKind[name], line: w.line}
				c.attrs, err = w.attrMap(t, c.where())
				if err != nil {
					return nil, err
				}
				raws = append(raws, c)
			}
		case xml.CharData:
			if capture == len(w.stack) {
				text.Write(t)
			}
		case xml.EndElement:
			if capture != len(w.stack) {
				break
			}
			capture = 0
			if err := in.setText(w, strings.TrimSpace(text.String())); err != nil {
				return nil, err
			}
		}
	}
	if !rootSeen {
		return nil, &inputError{line: w.line, msg: "no <Instance> element"}
	}
	if len(in.Teams) == 0 {
		return nil, &inputError{line: w.line, where: "<Instance>", msg: "no teams declared"}
	}
	if len(in.Slots) == 0 {
		return nil, &inputError{line: w.line, where: "<Instance>", msg: "no slots declared"}
	}

	known := &resources{teams: make(map[string]bool, len(in.Teams)), slots: make(map[int]bool, len(in.Slots))}
	for _, t := range in.Teams {
		known.teams[t.ID] = true
	}
	for _, s := range in.Slots {
		known.slots[s.ID] = true
	}
	in.Constraints = make([]schemas.Constraint, 0, len(raws))
	for i := range raws {
		c, err := known.constraint(&raws[i])
		if err != nil {
			return nil, err
		}
		in.Constraints = append(in.Constraints, c)
	}
	return in, nil
}

// setText stores the text of the element that just ended.
func (in *Instance) setText(w *walker, v string) error {
	switch w.stack[len(w.stack)-1] {
	case "InstanceName":
		in.Name = v
	case "numberRoundRobin":
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > math.MaxInt32 {
			return &inputError{line: w.line, where: "<numberRoundRobin>",
				msg: fmt.Sprintf("%q is not a positive integer", short(v))}
		}
		in.Format.RoundRobins = n
	case "compactness":
		in.Format.Compact = v == "C"
	case "gameMode":
		in.Format.Phased = v == "P"
	}
	return nil
}

func (w *walker) team(se xml.StartElement) (schemas.Team, error) {
	a, err := w.attrMap(se, "<team>")
	if err != nil {
		return schemas.Team{}, err
	}
	id, ok := a["id"]
	if !ok {
		return schemas.Team{}, &inputError{line: w.line, where: "<team>", msg: `missing attribute "id"`}
	}
	id = strings.TrimSpace(id)
	if id == "" {
		return schemas.Team{}, &inputError{line: w.line, where: "<team>", msg: `attribute "id": empty`}
	}
	return schemas.Team{ID: id, Name: a["name"]}, nil
}

func (w *walker) slot(se xml.StartElement) (schemas.Slot, error) {
	a, err := w.attrMap(se, "<slot>")
	if err != nil {
		return schemas.Slot{}, err
	}
	v, ok := a["id"]
	if !ok {
		return schemas.Slot{}, &inputError{line: w.line, where: "<slot>", msg: `missing attribute "id"`}
	}
	id, msg := parseCount(v)
	if msg != "" {
		return schemas.Slot{}, &inputError{line: w.line, where: "<slot>", msg: `attribute "id": ` + msg}
	}
	return schemas.Slot{ID: int(id), Name: a["name"]}, nil
}

// parseCount parses a non-negative integer attribute: an id, a count, an
// interval or a penalty. It returns a message on failure. The bound keeps
// every later sum, and a penalty in fixed point, far from overflow.
func parseCount(v string) (int64, string) {
	v = strings.TrimSpace(v)
	n, err := strconv.ParseInt(v, 10, 64)
	switch {
	case errors.Is(err, strconv.ErrRange):
		return 0, fmt.Sprintf("%s is out of range (0 to %d)", short(v), math.MaxInt32)
	case err != nil:
		return 0, fmt.Sprintf("%q is not an integer", short(v))
	case n < 0:
		return 0, fmt.Sprintf("%d is negative", n)
	case n > math.MaxInt32:
		return 0, fmt.Sprintf("%d is too large (at most %d)", n, math.MaxInt32)
	}
	return n, ""
}
