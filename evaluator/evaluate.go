package evaluator

import (
	"github.com/flextime/flextime/schemas"
)

// ForSport returns the constraints of cs that belong to sport: the
// constraint set a schedule of that sport is evaluated under. Inactive
// constraints are kept; Compile leaves them out.
func ForSport(cs []schemas.Constraint, sport string) []schemas.Constraint {
	var out []schemas.Constraint
	for i := range cs {
		if cs[i].Sport == sport {
			out = append(out, cs[i])
		}
	}
	return out
}

// Evaluate scores schedule s under the constraints cs in full: it indexes
// the frame, compiles the model and loads the games. Errors wrap ErrInput
// and name the field at fault. The state it returns can take later
// versions of s through Update.
func Evaluate(s *schemas.Schedule, cs []schemas.Constraint, opt CompileOptions) (*State, error) {
	f, err := NewFrame(s)
	if err != nil {
		return nil, err
	}
	m, err := Compile(f, cs, opt)
	if err != nil {
		return nil, err
	}
	st := m.NewState()
	if err := st.Load(s); err != nil {
		return nil, err
	}
	return st, nil
}
