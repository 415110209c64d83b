package robinx

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
)

// MaxInputBytes is the most XML a document may hold once decompressed.
// The largest ITC2021 instance is about 270 kB, so this leaves room for
// much larger leagues while a runaway or hostile input stops early.
const MaxInputBytes = 64 << 20

// maxDepth bounds element nesting. RobinX needs five levels.
const maxDepth = 64

var errTooLarge = errors.New("input too large")

// inputLimit is MaxInputBytes; tests lower it.
var inputLimit int64 = MaxInputBytes

// readError marks a failure of the underlying reader (a broken gzip stream,
// an I/O error), so it is not reported as malformed XML.
type readError struct{ err error }

func (e *readError) Error() string { return e.err.Error() }
func (e *readError) Unwrap() error { return e.err }

// limitedReader stops with errTooLarge after inputLimit bytes.
type limitedReader struct {
	r    io.Reader
	left int64
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.left <= 0 {
		return 0, &readError{errTooLarge}
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	if err != nil && err != io.EOF {
		err = &readError{err}
	}
	return n, err
}

// walker streams the tokens of a document and keeps the path of open
// elements, so handlers can ask where they are.
type walker struct {
	d     *xml.Decoder
	stack []string
	line  int // line where the current token starts

	popPending bool // the last token closed an element still on stack
}

func newWalker(r io.Reader) *walker {
	d := xml.NewDecoder(&limitedReader{r: r, left: inputLimit})
	d.Strict = true
	return &walker{d: d, line: 1}
}

// next returns the next token, or io.EOF at the end of a well-formed
// document. Start and end elements update the path; an end element is
// returned while its own name is still on the path.
func (w *walker) next() (xml.Token, error) {
	if n := len(w.stack); n > 0 && w.popPending {
		w.stack = w.stack[:n-1]
	}
	w.popPending = false
	// The decoder stands just past the previous token, which is where the
	// next one starts: whitespace between elements is a token of its own.
	w.line, _ = w.d.InputPos()
	tok, err := w.d.Token()
	if err == io.EOF {
		return nil, io.EOF
	}
	if err != nil {
		return nil, w.tokenError(err)
	}
	switch t := tok.(type) {
	case xml.StartElement:
		if len(w.stack) >= maxDepth {
			return nil, &inputError{line: w.line, where: elem(t.Name.Local),
				msg: fmt.Sprintf("elements nested more than %d deep", maxDepth)}
		}
		w.stack = append(w.stack, t.Name.Local)
	case xml.EndElement:
		w.popPending = true
	}
	return tok, nil
}

func (w *walker) tokenError(err error) error {
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		return &inputError{line: se.Line, msg: "malformed XML: " + se.Msg}
	}
	line, _ := w.d.InputPos()
	var re *readError
	if errors.As(err, &re) {
		if errors.Is(err, errTooLarge) {
			return &inputError{line: line, msg: fmt.Sprintf("input is larger than %d bytes", inputLimit)}
		}
		return &inputError{line: line, msg: "reading input: " + re.err.Error(), cause: re.err}
	}
	return &inputError{line: line, msg: "malformed XML: " + err.Error()}
}

// at reports whether the open elements are exactly path, from the root.
func (w *walker) at(path ...string) bool {
	if len(w.stack) != len(path) {
		return false
	}
	for i, p := range path {
		if w.stack[i] != p {
			return false
		}
	}
	return true
}

// attrMap returns the element's attributes by local name. Namespace
// declarations and prefixed attributes play no part in RobinX and are
// skipped. A repeated attribute is an error, as XML says.
func (w *walker) attrMap(se xml.StartElement, where string) (map[string]string, error) {
	m := make(map[string]string, len(se.Attr))
	for _, a := range se.Attr {
		if a.Name.Space != "" || a.Name.Local == "xmlns" {
			continue
		}
		if _, dup := m[a.Name.Local]; dup {
			return nil, &inputError{line: w.line, where: where,
				msg: fmt.Sprintf("attribute %q given twice", short(a.Name.Local))}
		}
		m[a.Name.Local] = a.Value
	}
	return m, nil
}
