// Package robinx imports ITC2021 sports timetabling problems written in the
// RobinX XML format: an instance becomes flextime constraint documents
// (CONTRACT §2) and a solution becomes a schedule document (CONTRACT §1).
//
// Team ids are the XML ids as strings ("0", "1", ...), slot ids are the
// XML slot ids, a game's id is "<home>-<away>", and the sport is the
// instance file's base name in lower case ("itc2021_late_01"). Each
// constraint element (CA1-CA4, GA1, BR1, BR2, FA2, SE1) gives one
// constraint whose id is the kind and its ordinal among elements of that
// kind ("CA2-17") and whose params carry the RobinX attributes under the
// same names, with team lists as arrays of strings and slot lists as
// arrays of integers.
//
// Input is checked on import: every team and slot a constraint names
// must be declared, numbers must be integers, and each kind's attributes
// must be present. Every error for bad input wraps ErrInvalid and is one
// line naming the place and the problem:
//
//	ITC2021_Late_01.xml.gz: line 70: CA1 #3: attribute "teams": unknown team "25"
//
// Reading a file and turning it into documents:
//
//	in, err := robinx.ReadInstanceFile("ITC2021_Late_01.xml.gz")
//	if err != nil {
//		return err // errors.Is(err, robinx.ErrInvalid): exit status 2
//	}
//	for _, c := range in.Constraints {
//		fmt.Println(c.ID, c.Kind, string(c.Params))
//		// CA1-1 CA1 {"teams":["5"],"slots":[10],"min":0,"max":0,"mode":"H"}
//	}
//	sol, err := robinx.ReadSolutionFile("solutions/ITC2021_Late_01.xml.gz")
//	if err != nil {
//		return err
//	}
//	schedule, err := in.Schedule(sol) // 240 games for 16 teams
//
// Team and slot groups (teamGroups, slotGroups) are not modelled: the
// ITC2021 files leave them empty, and a non-empty one is refused.
package robinx
