package store

import (
	"context"
	"fmt"
	"os"
	"sync"

	"github.com/flextime/flextime/schemas"
)

// File is a constraint source read from one file of CONTRACT §2
// documents: a JSON array, NDJSON or a single document. Reload re-reads
// it; a file that fails to load leaves the last good sets in place.
// A File is safe for concurrent use.
type File struct {
	path string

	mu   sync.RWMutex
	sets map[string]*Set
	docs int
}

// OpenFile loads path. The error names the file, the document and the
// field at fault, and wraps schemas.ErrInvalid for a bad document.
func OpenFile(path string) (*File, error) {
	f := &File{path: path}
	if err := f.Reload(); err != nil {
		return nil, err
	}
	return f, nil
}

// Path returns the file the source reads.
func (f *File) Path() string { return f.path }

// Reload reads the file again and swaps in its sets. On error the sets in
// use stay as they were.
func (f *File) Reload() error {
	data, err := os.ReadFile(f.path)
	if err != nil {
		return err
	}
	docs, err := schemas.DecodeConstraints(data)
	if err != nil {
		return fmt.Errorf("%s: %w", f.path, err)
	}
	if err := Check(docs); err != nil {
		return fmt.Errorf("%s: %w", f.path, err)
	}
	sets := Sets(docs)
	f.mu.Lock()
	f.sets, f.docs = sets, len(docs)
	f.mu.Unlock()
	return nil
}

// ConstraintSet returns the active set of sport: an empty Set when the
// file has none for it. It never fails; the error is for sources that
// can.
func (f *File) ConstraintSet(_ context.Context, sport string) (*Set, error) {
	f.mu.RLock()
	s, ok := f.sets[sport]
	f.mu.RUnlock()
	if !ok {
		return NewSet(sport, nil), nil
	}
	return s, nil
}

// Summary returns the number of documents and the sports they cover.
func (f *File) Summary() (docs int, sports []string) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	for sp := range f.sets {
		sports = append(sports, sp)
	}
	return f.docs, sports
}
