package schemas

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// FixedScale is the number of Fixed units in 1. Penalties and costs are held
// as integers of millionths, so that sums are exact and an incremental total
// agrees with a full one to the last digit.
const FixedScale = 1_000_000

const fixedDigits = 6

// ErrPrecision is returned when a decimal has more fractional digits than
// Fixed can hold exactly.
var ErrPrecision = errors.New("more than 6 decimal places")

// Fixed is an exact decimal with six fractional digits. Its JSON form is a
// plain number: 3, 0.7, 12.5.
type Fixed int64

// FixedInt returns n as a Fixed.
func FixedInt(n int64) Fixed { return Fixed(n * FixedScale) }

// ParseFixed parses a decimal such as "1", "-0.7" or "2.5e1". It returns
// ErrPrecision when the value cannot be held exactly in six decimals.
func ParseFixed(s string) (Fixed, error) {
	if s == "" {
		return 0, errors.New("empty number")
	}
	neg := false
	body := s
	if body[0] == '-' || body[0] == '+' {
		neg = body[0] == '-'
		body = body[1:]
	}
	exp := 0
	if i := strings.IndexAny(body, "eE"); i >= 0 {
		e, err := strconv.Atoi(body[i+1:])
		if err != nil || e > 30 || e < -30 {
			return 0, fmt.Errorf("bad exponent in %q", s)
		}
		exp = e
		body = body[:i]
	}
	intPart, frac, _ := strings.Cut(body, ".")
	if intPart == "" && frac == "" {
		return 0, fmt.Errorf("not a number: %q", s)
	}
	digits := intPart + frac
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("not a number: %q", s)
		}
	}
	// value = digits * 10^(exp - len(frac)); we want value * 10^6.
	shift := exp - len(frac) + fixedDigits
	digits = strings.TrimLeft(digits, "0")
	if shift < 0 {
		cut := len(digits) + shift
		tail := digits
		if cut > 0 {
			tail = digits[cut:]
			digits = digits[:cut]
		} else {
			digits = ""
		}
		if strings.Trim(tail, "0") != "" {
			return 0, fmt.Errorf("%q: %w", s, ErrPrecision)
		}
	} else {
		digits += strings.Repeat("0", shift)
	}
	if digits == "" {
		return 0, nil
	}
	if len(digits) > 18 {
		return 0, fmt.Errorf("%q: out of range", s)
	}
	v, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q: out of range", s)
	}
	if neg {
		v = -v
	}
	return Fixed(v), nil
}

// String formats f as the shortest exact decimal: "3", "0.7", "-12.25".
func (f Fixed) String() string {
	v := int64(f)
	sign := ""
	if v < 0 {
		sign = "-"
		v = -v
	}
	whole, frac := v/FixedScale, v%FixedScale
	if frac == 0 {
		return sign + strconv.FormatInt(whole, 10)
	}
	fs := strings.TrimRight(fmt.Sprintf("%06d", frac), "0")
	return sign + strconv.FormatInt(whole, 10) + "." + fs
}

// Float returns f as a float64, for display and metrics only.
func (f Fixed) Float() float64 { return float64(f) / FixedScale }

// MulInt returns f x n exactly.
func (f Fixed) MulInt(n int64) Fixed { return Fixed(int64(f) * n) }

// MarshalJSON writes f as a JSON number.
func (f Fixed) MarshalJSON() ([]byte, error) { return []byte(f.String()), nil }

// UnmarshalJSON reads a JSON number (or a numeric string) exactly.
func (f *Fixed) UnmarshalJSON(b []byte) error {
	s := strings.TrimSpace(string(b))
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = s[1 : len(s)-1]
	}
	v, err := ParseFixed(s)
	if err != nil {
		return err
	}
	*f = v
	return nil
}
