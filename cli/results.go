package cli

import (
	"bufio"
	"context"
	"errors"

	"github.com/spf13/cobra"

	"github.com/flextime/flextime/producer"
	"github.com/flextime/flextime/schemas"
)

func (a *app) resultsCommand() *cobra.Command {
	var o producer.ResultsOptions
	cmd := &cobra.Command{
		Use:   "results [--follow] [--new] [--sport S] [--schedule ID]",
		Short: "Print evaluation results as NDJSON",
		Long: `results prints the results kept in FLEXTIME_RESULTS, one JSON line each, in
the order they were stored, then exits. With --follow it goes on printing
new ones until interrupted; with --new it starts at the next one.
Results for one schedule can arrive out of order: keep the highest revision.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.ScheduleID != "" && o.Sport == "" {
				return usagef("--schedule needs --sport")
			}
			nc, js, err := connectClient(cmd.Context(), cmd, "flextime results")
			if err != nil {
				return err
			}
			defer nc.Close()
			w := bufio.NewWriter(a.stdout)
			defer w.Flush()
			err = producer.Results(cmd.Context(), js, o, func(res *schemas.Result) error {
				if err := writeJSON(w, res, false); err != nil {
					return err
				}
				if o.Follow {
					return w.Flush()
				}
				return nil
			})
			if o.Follow && errors.Is(err, context.Canceled) {
				return nil
			}
			return err
		},
	}
	cmd.Flags().BoolVar(&o.Follow, "follow", false, "keep printing new results until interrupted")
	cmd.Flags().BoolVar(&o.New, "new", false, "start at the next result instead of the first kept")
	cmd.Flags().StringVar(&o.Sport, "sport", "", "only results of sport `S`")
	cmd.Flags().StringVar(&o.ScheduleID, "schedule", "", "only results of schedule `ID` (with --sport)")
	addSettings(cmd, clientSettings...)
	return cmd
}
