package station

import (
	"context"
	"errors"

	"labelstation/store"
)

// Placeholder bodies: the returns flow is being built (issue 9).
var errNotBuilt = errors.New("not built yet")

func (s *Station) createReturn(ctx context.Context, scan string, opts ReturnOptions) (ReturnResult, error) {
	return ReturnResult{}, errNotBuilt
}
func (s *Station) findReturn(ctx context.Context, scan string) (ReturnInfo, error) {
	return ReturnInfo{}, errNotBuilt
}
func (s *Station) receiveReturn(ctx context.Context, id, note string) (store.Return, error) {
	return store.Return{}, errNotBuilt
}
func (s *Station) syncReturns(ctx context.Context) (ReturnSyncReport, error) {
	return ReturnSyncReport{}, errNotBuilt
}
