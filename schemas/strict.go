package schemas

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/go-json-experiment/json/jsontext"
)

// MaxDepth is how deeply arrays and objects may nest in a document. A
// request needs six levels (request, schedule, games, game, ...); the
// rest is room for extra properties, which are ignored. encoding/json
// allows 10,000, which costs every later walk over the document.
const MaxDepth = 64

// checkStrict reads data, one JSON value that encoding/json has already
// accepted into root, a second time and strictly. encoding/json quietly
// replaces invalid UTF-8 (and lone surrogate escapes) with U+FFFD, so an
// id would change on its way through the service, and keeps the last of
// two members of the same name, so a reader could see another document
// than the service did. Both are refused here, as is nesting deeper than
// MaxDepth. jsontext (the JSON v2 tokenizer) checks all three as it goes,
// without building anything.
func checkStrict(data []byte, root any) *syntaxError {
	dec := jsontext.NewDecoder(bytes.NewReader(data))
	for {
		tok, err := dec.ReadToken()
		if err != nil {
			return strictError(data, root, err)
		}
		switch tok.Kind() {
		case '{', '[':
			if dec.StackDepth() > MaxDepth {
				se := positionOf(data, int(dec.InputOffset())-1, fmt.Sprintf("nested deeper than %d levels", MaxDepth))
				// The first levels say where; sixty-four [0]s would not.
				loc := pointerTokens(dec.StackPointer().Parent())
				se.loc, se.root = loc[:min(len(loc), 4)], root
				return se
			}
		}
		if dec.StackDepth() == 0 {
			return nil
		}
	}
}

// strictError words an error of the strict reading, at its place.
func strictError(data []byte, root any, err error) *syntaxError {
	var serr *jsontext.SyntacticError
	if !errors.As(err, &serr) {
		return positionOf(data, len(data), err.Error())
	}
	loc := pointerTokens(serr.JSONPointer)
	var msg string
	switch {
	case serr.Err == jsontext.ErrDuplicateName:
		name := ""
		if len(loc) > 0 {
			name = loc[len(loc)-1]
		}
		msg = fmt.Sprintf("duplicate key %q: each key may appear once in an object", shorten(name))
	case strings.Contains(serr.Err.Error(), "UTF-8"), strings.Contains(serr.Err.Error(), "surrogate"),
		strings.Contains(serr.Err.Error(), "escape"):
		msg = "string is not valid UTF-8 (invalid bytes or a lone surrogate escape); it would be altered"
	default:
		msg = serr.Err.Error()
	}
	se := positionOf(data, int(serr.ByteOffset), msg)
	se.loc = loc
	se.root = root
	return se
}

// pointerTokens splits a JSON Pointer into its reference tokens.
func pointerTokens(p jsontext.Pointer) []string {
	return slices.Collect(p.Tokens())
}
