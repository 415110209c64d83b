package robinx

import (
	"bufio"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// ReadInstanceFile reads a RobinX instance from a plain or gzip-compressed
// file; gzip is recognised by its magic bytes, whatever the file is called
// (as ParseInstance does).
// The instance and its constraints get the file's sport name (see
// SportFromPath). Errors start with the path and wrap ErrInvalid, also
// when the file cannot be opened (the *fs.PathError stays in the chain).
func ReadInstanceFile(path string) (*Instance, error) {
	var in *Instance
	err := readFile(path, func(r io.Reader) (err error) {
		in, err = ParseInstance(r)
		return err
	})
	if err != nil {
		return nil, err
	}
	in.SetSport(SportFromPath(path))
	return in, nil
}

// ReadSolutionFile reads a RobinX solution from a plain or gzip-compressed
// file, as ReadInstanceFile does. Errors that Instance.Schedule later finds
// in this solution start with the path too.
func ReadSolutionFile(path string) (*Solution, error) {
	var sol *Solution
	err := readFile(path, func(r io.Reader) (err error) {
		sol, err = ParseSolution(r)
		return err
	})
	if err != nil {
		return nil, err
	}
	sol.path = path
	return sol, nil
}

// SportFromPath returns the sport an instance file stands for: its base
// name in lower case without .xml, .xml.gz or .gz
// ("ITC2021_Late_01.xml.gz" gives "itc2021_late_01").
func SportFromPath(path string) string {
	s := strings.ToLower(filepath.Base(path))
	s = strings.TrimSuffix(s, ".gz")
	return strings.TrimSuffix(s, ".xml")
}

func readFile(path string, parse func(io.Reader) error) error {
	f, err := os.Open(path)
	if err != nil {
		return &fileError{path: path, err: err}
	}
	defer f.Close()
	if err := parse(f); err != nil {
		return &fileError{path: path, err: err}
	}
	return nil
}

// decompress returns r itself, or a gunzipping reader when r starts with
// the gzip magic bytes 1f 8b.
func decompress(r io.Reader) (io.Reader, error) {
	br := bufio.NewReader(r)
	magic, err := br.Peek(2)
	if err != nil && err != io.EOF {
		return nil, &inputError{msg: "reading input: " + err.Error(), cause: err}
	}
	if len(magic) < 2 || magic[0] != 0x1f || magic[1] != 0x8b {
		return br, nil
	}
	zr, err := gzip.NewReader(br)
	if err != nil {
		return nil, &inputError{msg: "gzip: " + err.Error(), cause: err}
	}
	// Concatenated gzip members are read as one stream, as gunzip does.
	return zr, nil
}
