// Package redistest gives each test the machine's Redis
// (TEST_REDIS_URL, default redis://127.0.0.1:6379/0) and a key prefix of
// its own, whose keys are deleted when the test ends. Without a reachable
// server the test skips, and under CI=true it fails.
package redistest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/flextime/flextime/internal/testenv"
)

// URL is the server the tests use.
func URL() string {
	if u := os.Getenv("TEST_REDIS_URL"); u != "" {
		return u
	}
	return "redis://127.0.0.1:6379/0"
}

// Prefix returns a connected client and a fresh key prefix ("t:<hex>:").
func Prefix(t testing.TB) (*redis.Client, string) {
	t.Helper()
	opt, err := redis.ParseURL(URL())
	if err != nil {
		t.Fatalf("redistest: %v", err)
	}
	c := redis.NewClient(opt)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		c.Close()
		testenv.Missing(t, "Redis at "+opt.Addr+" is unreachable: "+err.Error())
		return nil, ""
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	prefix := "t:" + hex.EncodeToString(b[:]) + ":"
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		iter := c.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		for iter.Next(ctx) {
			c.Del(ctx, iter.Val())
		}
		c.Close()
	})
	return c, prefix
}
