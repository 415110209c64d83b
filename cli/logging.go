package cli

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/redis/go-redis/v9"
)

// redisLog carries go-redis's own log lines into the service's JSON log.
// Without it go-redis prints plain text to the process's stderr, which
// breaks every tool that reads serve's log as JSON lines. go-redis has one
// logger per process, so the last service to start receives them.
var redisLog struct {
	once sync.Once
	l    atomic.Pointer[slog.Logger]
}

// routeRedisLog sends go-redis's log lines to log, as warnings: go-redis
// logs only what went wrong (a failed dial, a connection closed badly, a
// setting it had to adjust).
func routeRedisLog(log *slog.Logger) {
	redisLog.l.Store(log)
	redisLog.once.Do(func() { redis.SetLogger(redisSlog{}) })
}

type redisSlog struct{}

// Printf implements go-redis's Logging.
func (redisSlog) Printf(ctx context.Context, format string, v ...any) {
	l := redisLog.l.Load()
	if l == nil || !l.Enabled(ctx, slog.LevelWarn) {
		return
	}
	msg := strings.TrimPrefix(strings.TrimSpace(fmt.Sprintf(format, v...)), "redis: ")
	l.LogAttrs(ctx, slog.LevelWarn, "redis: "+msg, slog.String("component", "go-redis"))
}
