package cli

import (
	"bufio"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/flextime/flextime/evaluator"
)

func (a *app) constraintsCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "constraints",
		Short: "Inspect the constraint catalogue and manage the constraint store (DATABASE_URL)",
		RunE:  groupRun,
	}
	cmd.AddCommand(a.storeCommands()...)
	cmd.AddCommand(&cobra.Command{
		Use:   "kinds",
		Short: "List the constraint kinds, one per line: NAME<TAB>description",
		Args:  exactArgs(),
		RunE: func(*cobra.Command, []string) error {
			kinds := evaluator.Kinds()
			slices.SortFunc(kinds, func(x, y *evaluator.Kind) int { return strings.Compare(x.Name, y.Name) })
			w := bufio.NewWriter(a.stdout)
			for _, k := range kinds {
				fmt.Fprintf(w, "%s\t%s\n", k.Name, oneLine(k.Description))
			}
			return w.Flush()
		},
	})
	cmd.AddCommand(&cobra.Command{
		Use:   "docs",
		Short: "Print the constraint catalogue as Markdown (docs/constraints.md)",
		Long: `Print the constraint catalogue as Markdown: every kind with its params,
deviation formula and an example, generated from the registry and the
params schemas. The committed copy is regenerated with:

  ` + docsRegenerate,
		Args: exactArgs(),
		RunE: func(*cobra.Command, []string) error {
			w := bufio.NewWriter(a.stdout)
			if err := renderConstraintDocs(w); err != nil {
				return err
			}
			return w.Flush()
		},
	})
	return cmd
}
