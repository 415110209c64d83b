package cli

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// setting is one configuration value of CONTRACT §5: an environment
// variable that is also a flag (NATS_URL is --nats-url). A flag given on
// the command line wins over the environment, which wins over the default.
type setting struct {
	env  string
	def  string
	help string
}

// The settings, by environment name.
var settings = []setting{
	{"PORT", "3000", "HTTP port for /health, /ready and /metrics (0 picks a free port)"},
	{"LOG_LEVEL", "info", "debug, info, warn or error"},
	{"NATS_URL", "", "NATS server to use; without it an embedded server starts"},
	{"NATS_CREDS", "", "NATS credentials file"},
	{"NATS_LISTEN", "127.0.0.1:14222", "address of the embedded server"},
	{"DATA_DIR", "./data", "storage of the embedded server"},
	{"MAX_WORKERS", strconv.Itoa(runtime.NumCPU()), "evaluation workers per instance"},
	{"EVALUATION_TIMEOUT", "10000", "per request; past it the result has status timeout (ms or Go duration)"},
	{"STREAM_MAX_AGE", "720h", "how far back requests can be replayed"},
	{"STREAM_MAX_BYTES", "10GiB", "size cap of each stream (bytes, or with KiB, MiB, GiB, TiB)"},
	{"DEDUP_WINDOW", "2m", "duplicate request_ids within it are dropped"},
	{"CONSUMER_NAME", "evaluator", "the durable consumer every instance shares"},
	{"ACK_WAIT", "30s", "redelivery after this long without an ack"},
	{"SHUTDOWN_TIMEOUT", "30s", "graceful shutdown deadline"},
	{"DATABASE_URL", "", "Postgres for the constraint store and the history (postgres://user:password@host:5432/db)"},
	{"DB_POOL_MIN", "2", "Postgres connections kept open"},
	{"DB_POOL_MAX", "10", "Postgres connections at most"},
	{"DB_TIMEOUT", "30000", "deadline of each Postgres operation (ms or Go duration)"},
}

// flagName is the flag of an environment name: NATS_URL is nats-url.
func flagName(env string) string {
	return strings.ReplaceAll(strings.ToLower(env), "_", "-")
}

// config reads settings for one command: its flags first, then the
// environment, then the defaults.
type config struct {
	cmd    *cobra.Command
	lookup func(string) (string, bool)
}

// addSettings declares the flags for the named settings on cmd.
func addSettings(cmd *cobra.Command, names ...string) {
	for _, n := range names {
		s := settingOf(n)
		def := s.def
		if def == "" {
			def = "none"
		}
		cmd.Flags().String(flagName(n), "", fmt.Sprintf("%s (env %s, default %s)", s.help, n, def))
	}
}

func settingOf(env string) setting {
	for _, s := range settings {
		if s.env == env {
			return s
		}
	}
	panic("cli: no setting " + env)
}

func newConfig(cmd *cobra.Command) *config {
	return &config{cmd: cmd, lookup: os.LookupEnv}
}

// str returns the setting's value and where it came from.
func (c *config) str(env string) string {
	if f := c.cmd.Flags().Lookup(flagName(env)); f != nil && f.Changed {
		return f.Value.String()
	}
	if v, ok := c.lookup(env); ok && v != "" {
		return v
	}
	return settingOf(env).def
}

// source names where a setting's value came from, for error messages.
func (c *config) source(env string) string {
	if f := c.cmd.Flags().Lookup(flagName(env)); f != nil && f.Changed {
		return "--" + flagName(env)
	}
	return env
}

func (c *config) bad(env, v, want string) error {
	return usagef("%s: %q is not %s", c.source(env), v, want)
}

// int returns a whole-number setting of at least lo.
func (c *config) int(env string, lo int) (int, error) {
	v := c.str(env)
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < lo {
		return 0, c.bad(env, v, fmt.Sprintf("a whole number >= %d", lo))
	}
	return n, nil
}

// duration returns a duration setting: Go syntax (30s, 2m) or, as the seed
// wrote them, bare milliseconds (3600000).
func (c *config) duration(env string) (time.Duration, error) {
	v := c.str(env)
	d, err := parseDuration(v)
	if err != nil {
		return 0, c.bad(env, v, "a duration such as 30s or a number of milliseconds")
	}
	return d, nil
}

func parseDuration(v string) (time.Duration, error) {
	v = strings.TrimSpace(v)
	if ms, err := strconv.ParseInt(v, 10, 64); err == nil {
		if ms < 0 {
			return 0, fmt.Errorf("negative")
		}
		return time.Duration(ms) * time.Millisecond, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("not a duration")
	}
	return d, nil
}

// bytes returns a size setting: a byte count, optionally with a unit.
func (c *config) bytes(env string) (int64, error) {
	v := c.str(env)
	n, err := parseBytes(v)
	if err != nil {
		return 0, c.bad(env, v, "a size such as 10GiB or a number of bytes")
	}
	return n, nil
}

func parseBytes(v string) (int64, error) {
	s := strings.TrimSpace(v)
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10},
		{"TB", 1e12}, {"GB", 1e9}, {"MB", 1e6}, {"KB", 1e3}, {"B", 1}} {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || n > (1<<62)/mult {
		return 0, fmt.Errorf("not a size")
	}
	return n * mult, nil
}

// logger builds the service logger from LOG_LEVEL: JSON lines on w.
func (c *config) logger(w io.Writer) (*slog.Logger, error) {
	v := c.str("LOG_LEVEL")
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(v)); err != nil {
		return nil, c.bad("LOG_LEVEL", v, "one of debug, info, warn, error")
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: lvl})), nil
}

// SettingNames returns the environment name of every setting flextime
// reads, in the order of its table: CONTRACT §5 and what flextime adds.
func SettingNames() []string {
	names := make([]string, len(settings))
	for i, s := range settings {
		names[i] = s.env
	}
	return names
}
