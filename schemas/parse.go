package schemas

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// syntaxError is malformed JSON at a position (1-based line and column,
// the column counted in characters).
type syntaxError struct {
	line, col int
	msg       string
	// loc, when set, is where in the document the problem is (keys and
	// indices from the top), and root the document as parsed, to tell
	// one from the other.
	loc  []string
	root any
}

// fieldError places the error in a document whose first line is number
// firstLine of the input, as "line 3, column 5: ...". When the error has
// a place in the document, the field names it under field.
func (e *syntaxError) fieldError(field string, firstLine int) *FieldError {
	if len(e.loc) > 0 {
		field = fieldPath(field, e.root, e.loc)
	}
	return fieldErrorf(field, "line %d, column %d: %s", firstLine+e.line-1, e.col, e.msg)
}

// parseJSON decodes exactly one JSON value, with numbers kept as
// json.Number so that the schema validator sees them exactly as written.
func parseJSON(data []byte) (any, *syntaxError) {
	var v any
	if err := decodeOne(data, &v, true); err != nil {
		return nil, err
	}
	if err := checkStrict(data, v); err != nil {
		return nil, err
	}
	return v, nil
}

// decodeOne decodes exactly one JSON value from data into dst; anything
// but white space after it is an error.
func decodeOne(data []byte, dst any, useNumber bool) *syntaxError {
	dec := json.NewDecoder(bytes.NewReader(data))
	if useNumber {
		dec.UseNumber()
	}
	if err := dec.Decode(dst); err != nil {
		var se *json.SyntaxError
		switch {
		case errors.As(err, &se):
			msg := se.Error()
			if strings.HasSuffix(msg, "exceeded max depth") {
				// encoding/json's own limit (10,000 levels), far past ours.
				msg = fmt.Sprintf("nested deeper than %d levels", MaxDepth)
			}
			// Offset counts the bytes read, the offending one included.
			return positionOf(data, int(se.Offset)-1, msg)
		case err == io.EOF:
			return positionOf(data, len(data), "empty document")
		case err == io.ErrUnexpectedEOF:
			return positionOf(data, len(data), "unexpected end of JSON input")
		default:
			return positionOf(data, int(dec.InputOffset()), err.Error())
		}
	}
	off := int(dec.InputOffset())
	for i := off; i < len(data); i++ {
		switch c := data[i]; c {
		case ' ', '\t', '\r', '\n':
		default:
			r, _ := utf8.DecodeRune(data[i:])
			return positionOf(data, i, "invalid character "+strconv.QuoteRune(r)+" after top-level value")
		}
	}
	return nil
}

// positionOf turns a byte offset into a line and column.
func positionOf(data []byte, off int, msg string) *syntaxError {
	off = max(0, min(off, len(data)))
	line := 1 + bytes.Count(data[:off], []byte{'\n'})
	start := bytes.LastIndexByte(data[:off], '\n') + 1
	return &syntaxError{line: line, col: utf8.RuneCount(data[start:off]) + 1, msg: msg}
}

// trimBOM drops a UTF-8 byte order mark, which some editors write and
// encoding/json refuses.
func trimBOM(data []byte) []byte {
	return bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
}

// plainInt converts a JSON integer that the schema has accepted to an int.
// JSON Schema counts 1.0 and 1e2 as integers but encoding/json does not,
// and the value may be out of range, so both cases get a clear error.
func plainInt(field string, v any) (int, *FieldError) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, fieldErrorf(field, "must be an integer")
	}
	i, err := strconv.Atoi(string(n))
	if err != nil {
		if bytes.ContainsAny([]byte(n), ".eE") {
			return 0, fieldErrorf(field, "must be written as a plain integer, without fraction or exponent (got %s)", n)
		}
		return 0, fieldErrorf(field, "integer %s is out of range", shorten(string(n)))
	}
	return i, nil
}

// shorten keeps quoted values in messages to one short line.
func shorten(s string) string {
	const limit = 40
	if utf8.RuneCountInString(s) <= limit {
		return s
	}
	r := []rune(s)
	return string(r[:limit]) + "..."
}

// show formats a JSON value for a message.
func show(v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	return shorten(string(bytes.TrimSuffix(buf.Bytes(), []byte{'\n'})))
}

// Limits on how a JSON number is written. The schema validator reads
// numbers exactly, as big.Rat, and 1e999999 or a number of a million
// digits costs it seconds; no field here needs more than float64 range.
const (
	maxNumberLen = 100
	maxExponent  = 400
)

// checkNumbers refuses numbers beyond the limits above anywhere in v,
// before the schema validator sees them.
func checkNumbers(prefix string, v any) error {
	if loc, msg := walkNumbers(v); msg != "" {
		return &FieldError{Field: fieldPath(prefix, v, loc), Msg: msg}
	}
	return nil
}

// walkNumbers returns the first bad number, taking object keys in sorted
// order so that the answer does not depend on map order.
func walkNumbers(v any) (loc []string, msg string) {
	switch v := v.(type) {
	case json.Number:
		return nil, numberProblem(string(v))
	case []any:
		for i, e := range v {
			if _, ok := e.(string); ok {
				continue
			}
			if sub, msg := walkNumbers(e); msg != "" {
				return append([]string{strconv.Itoa(i)}, sub...), msg
			}
		}
	case map[string]any:
		for k, e := range v {
			if _, ok := e.(string); ok {
				continue
			}
			if sub, m := walkNumbers(e); m != "" && (msg == "" || k < loc[0]) {
				loc, msg = append([]string{k}, sub...), m
			}
		}
	}
	return loc, msg
}

func numberProblem(n string) string {
	if len(n) > maxNumberLen {
		return fmt.Sprintf("number has more than %d characters", maxNumberLen)
	}
	i := strings.IndexAny(n, "eE")
	if i < 0 {
		return ""
	}
	e, err := strconv.Atoi(strings.TrimLeft(n[i+1:], "+"))
	if err != nil || e > maxExponent || e < -maxExponent {
		return fmt.Sprintf("number %s is out of range", n)
	}
	return ""
}
