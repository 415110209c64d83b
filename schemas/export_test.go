package schemas

// RequestVerdicts parses data and returns what request.schema.json and the
// typed validation of DecodeRequest answer ("" for accepted); ok is false
// when data is not a JSON object, which neither sees.
func RequestVerdicts(data []byte) (schema, typed string, ok bool) {
	v, serr := parseJSON(trimBOM(data))
	if serr != nil {
		return "", "", false
	}
	if _, isObj := v.(map[string]any); !isObj {
		return "", "", false
	}
	return schemaVerdict(v), typedVerdict(v), true
}
