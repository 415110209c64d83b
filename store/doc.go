// Package store holds constraint sets and the sources they come from.
//
// A Set is the active constraints of one sport with its constraint_set
// identifier. A source hands out the current Set of a sport; the consumer
// asks for it on every message, so a reload takes effect on the next
// message without a restart. File reads CONTRACT §2 documents from disk:
//
//	src, err := store.OpenFile("constraints.ndjson")
//	if err != nil {
//		return err // names the file, the document and the field
//	}
//	set, _ := src.ConstraintSet(ctx, "mbb")
//	fmt.Println(set.ID, set.Len())
package store
