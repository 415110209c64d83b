package schemas_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/flextime/flextime/schemas"
)

func TestParseFixed(t *testing.T) {
	tests := []struct {
		in   string
		want schemas.Fixed
		str  string // String() of the result
	}{
		{"0", 0, "0"},
		{"1", 1_000_000, "1"},
		{"3", 3_000_000, "3"},
		{"0.7", 700_000, "0.7"},
		{"-0.7", -700_000, "-0.7"},
		{"+2", 2_000_000, "2"},
		{"12.5", 12_500_000, "12.5"},
		{"-12.25", -12_250_000, "-12.25"},
		{"0.000001", 1, "0.000001"},
		{"-0.000001", -1, "-0.000001"},
		{"1.5000000", 1_500_000, "1.5"}, // trailing zeros lose nothing
		{"1e2", 100_000_000, "100"},
		{"1E2", 100_000_000, "100"},
		{"2.5e1", 25_000_000, "25"},
		{"25e-1", 2_500_000, "2.5"},
		{"1e-6", 1, "0.000001"},
		{".5", 500_000, "0.5"},
		{"5.", 5_000_000, "5"},
		{"-0", 0, "0"},
		{"007", 7_000_000, "7"},
		{"999999999999.999999", 999999999999_999999, "999999999999.999999"},
	}
	for _, tt := range tests {
		got, err := schemas.ParseFixed(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseFixed(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
			continue
		}
		if s := got.String(); s != tt.str {
			t.Errorf("ParseFixed(%q).String() = %q, want %q", tt.in, s, tt.str)
		}
		back, err := schemas.ParseFixed(got.String())
		if err != nil || back != got {
			t.Errorf("round trip of %q: %d, %v", tt.in, back, err)
		}
	}
}

func TestParseFixedErrors(t *testing.T) {
	for _, in := range []string{"0.1234567", "1e-7", "-0.0000001", "0.00000015"} {
		if _, err := schemas.ParseFixed(in); !errors.Is(err, schemas.ErrPrecision) {
			t.Errorf("ParseFixed(%q) = %v, want ErrPrecision", in, err)
		}
	}
	for _, in := range []string{"", "-", "+", ".", "abc", "1.2.3", "1e", "1e2.5", "e5", "1x", "--1", "1e99", "1e31", "10000000000000000000", "0x10", " 1"} {
		if v, err := schemas.ParseFixed(in); err == nil || errors.Is(err, schemas.ErrPrecision) {
			t.Errorf("ParseFixed(%q) = %d, %v; want a non-precision error", in, v, err)
		}
	}
}

func TestFixedHelpers(t *testing.T) {
	if schemas.FixedInt(3) != 3_000_000 {
		t.Error("FixedInt(3)")
	}
	if got := schemas.Fixed(700_000).MulInt(3); got != 2_100_000 || got.String() != "2.1" {
		t.Errorf("0.7 x 3 = %s", got)
	}
	if f := schemas.Fixed(-1_250_000).Float(); f != -1.25 {
		t.Errorf("Float() = %v", f)
	}
}

func TestFixedJSON(t *testing.T) {
	var v struct {
		A, B, C schemas.Fixed
	}
	if err := json.Unmarshal([]byte(`{"A": 0.7, "B": "12.5", "C": -3}`), &v); err != nil {
		t.Fatal(err)
	}
	if v.A != 700_000 || v.B != 12_500_000 || v.C != -3_000_000 {
		t.Errorf("got %+v", v)
	}
	out, err := json.Marshal(v)
	if err != nil || string(out) != `{"A":0.7,"B":12.5,"C":-3}` {
		t.Errorf("Marshal = %s, %v", out, err)
	}
	if err := json.Unmarshal([]byte(`{"A": 0.1234567}`), &v); !errors.Is(err, schemas.ErrPrecision) {
		t.Errorf("Unmarshal 7 decimals = %v, want ErrPrecision", err)
	}
}

func FuzzParseFixed(f *testing.F) {
	for _, s := range []string{"0", "0.7", "-12.25", "1e2", "2.5e1", "0.000001", "999999999999.999999", "1e-7", "abc"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := schemas.ParseFixed(s)
		if err != nil {
			return
		}
		back, err := schemas.ParseFixed(v.String())
		if err != nil || back != v {
			t.Fatalf("ParseFixed(%q) = %d, String %q parses to %d, %v", s, v, v.String(), back, err)
		}
	})
}
