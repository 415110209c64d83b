package robinx

import (
	"os"
	"path/filepath"
	"testing"
)

// sharedDir returns the project's shared/ directory, found beside the
// module root (the directory holding go.mod). When it is absent the test
// is skipped, except under CI=true, where the data must be there.
func sharedDir(t testing.TB) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for dir := wd; ; {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			shared := filepath.Join(dir, "..", "shared")
			if fi, err := os.Stat(shared); err == nil && fi.IsDir() {
				return shared
			}
			missing(t, "no shared/ directory beside the module root "+dir)
			return ""
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			missing(t, "no go.mod above "+wd)
			return ""
		}
		dir = parent
	}
}

func missing(t testing.TB, why string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("ITC2021 data not found: %s (required when CI=true)", why)
	}
	t.Skipf("skipping: ITC2021 data not found: %s", why)
}
