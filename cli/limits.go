package cli

import (
	"strconv"
	"strings"

	"github.com/flextime/flextime/consumer"
	"github.com/flextime/flextime/schemas"
)

func init() {
	settings = append(settings,
		setting{"MAX_REQUEST_BYTES", strconv.Itoa(schemas.DefaultMaxRequestBytes), "largest request body; a bigger one is bad input (bytes, or with KiB, MiB)"},
		setting{"MAX_GAMES", strconv.Itoa(schemas.DefaultMaxGames), "most games in a request's schedule"},
		setting{"MAX_SLOTS", strconv.Itoa(schemas.DefaultMaxSlots), "most slots in a request's schedule"},
		setting{"MAX_TEAMS", strconv.Itoa(schemas.DefaultMaxTeams), "most teams in a request's schedule"},
		setting{"MAX_RESULT_BYTES", "0", "largest result body; 0 is the server's max payload less 4 KiB, and a setting can only lower that (bytes, or with KiB, MiB)"},
		setting{"MAX_VIOLATIONS", "50", "violations listed per constraint in a result; past it the result says truncated"},
	)
}

// readLimits reads the settings that bound what one request may hold,
// and what its result may grow to, into cc.
func readLimits(cfg *config, cc *consumer.Config) error {
	n, err := cfg.bytes("MAX_REQUEST_BYTES")
	if err != nil {
		return err
	}
	cc.Limits.MaxBytes = int(min(n, 1<<40))
	if cc.Limits.MaxGames, err = cfg.int("MAX_GAMES", 1); err != nil {
		return err
	}
	if cc.Limits.MaxSlots, err = cfg.int("MAX_SLOTS", 1); err != nil {
		return err
	}
	if cc.Limits.MaxTeams, err = cfg.int("MAX_TEAMS", 1); err != nil {
		return err
	}
	if v := strings.TrimSpace(cfg.str("MAX_RESULT_BYTES")); v != "0" {
		if n, err = cfg.bytes("MAX_RESULT_BYTES"); err != nil {
			return err
		}
		cc.MaxResultBytes = int(min(n, 1<<40))
	}
	cc.MaxViolations, err = cfg.int("MAX_VIOLATIONS", 1)
	return err
}
