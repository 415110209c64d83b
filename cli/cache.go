package cli

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"github.com/spf13/cobra"

	"github.com/flextime/flextime/cache"
	"github.com/flextime/flextime/consumer"
)

func init() {
	settings = append(settings,
		setting{"REDIS_URL", "", "Redis for the shared cache tier (redis://host:6379/0); without it the cache is in-process only"},
		setting{"REDIS_PASSWORD", "", "Redis password, when not in REDIS_URL"},
		setting{"REDIS_TLS", "false", "connect to Redis over TLS (true or false)"},
		setting{"CACHE_TTL", "3600000", "cache entry lifetime (ms or Go duration)"},
		setting{"CACHE_MAX_SIZE", "100000", "in-process cache entries"},
		setting{"CACHE_MAX_BYTES", "256MiB", "heap the cache may hold: in-process entries, the models they refer to, snapshots queued for Redis (bytes, or with KiB, MiB, GiB)"},
		setting{"MODEL_CACHE_BYTES", "64MiB", "heap of the compiled models kept for reuse, at most 256 of them (bytes, or with KiB, MiB, GiB)"},
		setting{"MAX_METRIC_SERIES", "10000", "series of constraint_evaluations_total at most (two per constraint); the rest count under constraint_id other"},
		setting{"CACHE_VERIFY_RATE", "0", "share of incremental evaluations re-done in full and compared, 0 to 1"},
	)
}

var cacheSettings = []string{"REDIS_URL", "REDIS_PASSWORD", "REDIS_TLS", "CACHE_TTL", "CACHE_MAX_SIZE", "CACHE_MAX_BYTES", "CACHE_VERIFY_RATE"}

// CacheSubjectFlush is announced by `flextime cache flush`; every instance
// empties its in-process tier.
const CacheSubjectFlush = "flextime.cache.flush"

// redisClient builds the Redis client of REDIS_URL, or nil without one.
func redisClient(cfg *config) (*redis.Client, error) {
	u := cfg.str("REDIS_URL")
	if u == "" {
		return nil, nil
	}
	opt, err := redis.ParseURL(u)
	if err != nil {
		return nil, usagef("%s: %v", cfg.source("REDIS_URL"), err)
	}
	if p := cfg.str("REDIS_PASSWORD"); p != "" {
		opt.Password = p
	}
	useTLS, err := strconv.ParseBool(cfg.str("REDIS_TLS"))
	if err != nil {
		return nil, cfg.bad("REDIS_TLS", cfg.str("REDIS_TLS"), "true or false")
	}
	if useTLS && opt.TLSConfig == nil {
		opt.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12, ServerName: strings.Split(opt.Addr, ":")[0]}
	}
	// Redis is an optimisation: fail fast rather than hold an evaluation.
	opt.DialTimeout, opt.ReadTimeout, opt.WriteTimeout = time.Second, 500*time.Millisecond, 500*time.Millisecond
	opt.MaxRetries = 1
	return redis.NewClient(opt), nil
}

// readMemoryOptions reads the consumer's memory settings (the bytes of
// the compiled models it keeps, the cap on its evaluation series) and
// checks CACHE_MAX_BYTES, so that a bad value stops serve before it
// starts anything.
func readMemoryOptions(cfg *config, cc *consumer.Config) error {
	if _, err := cfg.bytes("CACHE_MAX_BYTES"); err != nil {
		return err
	}
	var err error
	if cc.ModelBytes, err = cfg.bytes("MODEL_CACHE_BYTES"); err != nil {
		return err
	}
	cc.MaxMetricSeries, err = cfg.int("MAX_METRIC_SERIES", 2)
	return err
}

// newCache builds the evaluation cache from the settings.
func newCache(cfg *config, log *slog.Logger, reg prometheus.Registerer) (*cache.Cache, *redis.Client, error) {
	rdb, err := redisClient(cfg)
	if err != nil {
		return nil, nil, err
	}
	if rdb != nil {
		routeRedisLog(log)
	}
	ttl, err := cfg.duration("CACHE_TTL")
	if err != nil {
		return nil, nil, err
	}
	size, err := cfg.int("CACHE_MAX_SIZE", 1)
	if err != nil {
		return nil, nil, err
	}
	maxBytes, err := cfg.bytes("CACHE_MAX_BYTES")
	if err != nil {
		return nil, nil, err
	}
	rate, err := strconv.ParseFloat(strings.TrimSpace(cfg.str("CACHE_VERIFY_RATE")), 64)
	if err != nil || rate < 0 || rate > 1 {
		return nil, nil, cfg.bad("CACHE_VERIFY_RATE", cfg.str("CACHE_VERIFY_RATE"), "a number from 0 to 1")
	}
	c := cache.New(cache.Config{MaxSize: size, MaxBytes: maxBytes, TTL: ttl, VerifyRate: rate, Redis: rdb, Registerer: reg, Logger: log})
	return c, rdb, nil
}

func (a *app) cacheCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "cache",
		Short: "Manage the evaluation cache",
		Args:  cobra.NoArgs,
		RunE:  groupRun,
	}
	flush := &cobra.Command{
		Use:   "flush",
		Short: "Empty the cache: the Redis tier, and every instance's in-process tier",
		Long: `flush deletes every cache key in Redis (REDIS_URL) and announces
flextime.cache.flush on NATS, so that every running instance empties its
in-process tier. The next event of each schedule is evaluated in full.
Results never depend on the cache; this is the emergency switch for when
something about it is in doubt.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg := newConfig(cmd)
			rdb, err := redisClient(cfg)
			if err != nil {
				return err
			}
			deleted := 0
			if rdb != nil {
				defer rdb.Close()
				if deleted, err = cache.FlushRedis(cmd.Context(), rdb, "flextime:cache:"); err != nil {
					return fmt.Errorf("flushing Redis: %w", err)
				}
			}
			announced := false
			ctx, cancel := context.WithTimeout(cmd.Context(), 2*time.Second)
			defer cancel()
			if nc, _, err := connectClient(ctx, cmd, "flextime cache flush"); err == nil {
				if nc.Publish(CacheSubjectFlush, []byte(`{}`)) == nil && nc.Flush() == nil {
					announced = true
				}
				nc.Close()
			}
			if rdb == nil && !announced {
				return usagef("nothing to flush: set REDIS_URL, or NATS_URL for the running instances")
			}
			w := bufio.NewWriter(a.stdout)
			if err := writeJSON(w, map[string]any{"redis_keys_deleted": deleted, "instances_notified": announced}, false); err != nil {
				return err
			}
			return w.Flush()
		},
	}
	addSettings(flush, append(clientSettings, "REDIS_URL", "REDIS_PASSWORD", "REDIS_TLS")...)
	cmd.AddCommand(flush)
	return cmd
}
