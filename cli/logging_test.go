package cli

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/flextime/flextime/internal/redistest"
)

// TestServeLogIsJSON runs serve with Redis and makes go-redis log a line
// (it warns when an expiry is below its one-millisecond resolution). Every
// line serve writes must parse as JSON, go-redis's included, and an error
// is always under the key "error".
func TestServeLogIsJSON(t *testing.T) {
	rdb, prefix := redistest.Prefix(t)
	_, constraints := sampleFiles(t)
	s := startServe(t, constraints, "--redis-url", redistest.URL())
	if err := rdb.Set(t.Context(), prefix+"k", "v", 500*time.Microsecond).Err(); err != nil {
		t.Fatal(err)
	}
	s.cancel()
	if status := <-s.done; status != ExitOK {
		t.Errorf("serve exited with %d", status)
	}
	s.done <- ExitOK // for startServe's cleanup

	sawRedis := false
	for line := range strings.Lines(s.stderr.String()) {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Errorf("not a JSON line: %q", line)
			continue
		}
		if _, ok := rec["err"]; ok {
			t.Errorf(`line with "err" rather than "error": %s`, line)
		}
		if msg, _ := rec["msg"].(string); strings.HasPrefix(msg, "redis: ") && strings.Contains(msg, "truncating to 1ms") {
			sawRedis = true
		}
	}
	if !sawRedis {
		t.Errorf("go-redis's warning is not in serve's JSON log:\n%s", s.stderr.String())
	}
}

// TestLogErrorKey: every slog call in the module that logs an error puts
// it under "error", never "err", so that one query finds them all. It
// reads the source, since most of those lines are logged only in an
// outage.
func TestLogErrorKey(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	methods := map[string]bool{"Debug": true, "Info": true, "Warn": true, "Error": true, "Log": true,
		"DebugContext": true, "InfoContext": true, "WarnContext": true, "ErrorContext": true, "With": true}
	checked := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, src, 0)
		if err != nil {
			return err
		}
		checked++
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || !methods[sel.Sel.Name] {
				return true
			}
			for _, a := range call.Args {
				if lit, ok := a.(*ast.BasicLit); ok && lit.Kind == token.STRING {
					if v, _ := strconv.Unquote(lit.Value); v == "err" {
						rel, _ := filepath.Rel(root, path)
						t.Errorf(`%s: %s(... "err" ...): use the key "error"`, rel, sel.Sel.Name)
					}
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 50 {
		t.Fatalf("checked only %d files under %s", checked, root)
	}
}
