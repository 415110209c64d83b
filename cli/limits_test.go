package cli

import (
	"errors"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/flextime/flextime/schemas"
)

// TestLimitSettings reads the limit settings from flags and the
// environment, with their defaults, and refuses values that cannot work
// with a usage error naming the setting.
func TestLimitSettings(t *testing.T) {
	read := func(env map[string]string, args ...string) (serviceOptions, error) {
		cmd := &cobra.Command{Use: "serve"}
		addSettings(cmd, serveSettings...)
		if err := cmd.ParseFlags(args); err != nil {
			t.Fatal(err)
		}
		cfg := &config{cmd: cmd, lookup: func(k string) (string, bool) { v, ok := env[k]; return v, ok }}
		return (&app{}).readServiceOptions(cfg)
	}
	o, err := read(nil)
	if err != nil {
		t.Fatal(err)
	}
	l := o.consumer.Limits
	if l.MaxBytes != schemas.DefaultMaxRequestBytes || l.MaxGames != schemas.DefaultMaxGames || l.MaxSlots != schemas.DefaultMaxSlots ||
		l.MaxTeams != schemas.DefaultMaxTeams || o.consumer.MaxResultBytes != 0 || o.consumer.MaxViolations != 50 {
		t.Errorf("defaults: %+v, result bytes %d, violations %d", l, o.consumer.MaxResultBytes, o.consumer.MaxViolations)
	}
	o, err = read(map[string]string{"MAX_GAMES": "800", "MAX_RESULT_BYTES": "256KiB"},
		"--max-request-bytes", "512KiB", "--max-slots", "40", "--max-teams", "20", "--max-violations", "5")
	if err != nil {
		t.Fatal(err)
	}
	l = o.consumer.Limits
	if l.MaxBytes != 512<<10 || l.MaxGames != 800 || l.MaxSlots != 40 || l.MaxTeams != 20 ||
		o.consumer.MaxResultBytes != 256<<10 || o.consumer.MaxViolations != 5 {
		t.Errorf("set: %+v, result bytes %d, violations %d", l, o.consumer.MaxResultBytes, o.consumer.MaxViolations)
	}
	for _, c := range []struct {
		env  map[string]string
		args []string
		want string
	}{
		{nil, []string{"--max-games", "0"}, "--max-games"},
		{map[string]string{"MAX_TEAMS": "many"}, nil, "MAX_TEAMS"},
		{nil, []string{"--max-request-bytes", "-1"}, "--max-request-bytes"},
		{nil, []string{"--max-result-bytes", "100"}, "MAX_RESULT_BYTES"},
		{map[string]string{"MAX_VIOLATIONS": "0"}, nil, "MAX_VIOLATIONS"},
	} {
		_, err := read(c.env, c.args...)
		var u *usageError
		if !errors.As(err, &u) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v %v: %v, want a usage error naming %s", c.env, c.args, err, c.want)
		}
	}
}
