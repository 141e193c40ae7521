package oracle

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"
)

// errAbandoned: the caller stopped waiting for the response (the scenario
// ended with the op still blocked, or the context was cancelled).
var errAbandoned = errors.New("abandoned")

// testHookResponse, if set, runs before the runner takes in a helper's
// answer (tests use it to delay the runner, as a starved one is).
var testHookResponse func(actor string, resp response)

// helperConn is the runner's end of the pipes to one actor helper.
type helperConn struct {
	name string
	pid  int
	w    *os.File
	r    *os.File

	mu      sync.Mutex
	enc     *json.Encoder
	seq     int
	waiters map[int]chan response
	dead    chan struct{} // closed once the response stream has ended
	deadErr error
}

func newHelperConn(name string, pid int, w, r *os.File) *helperConn {
	c := &helperConn{name: name, pid: pid, w: w, r: r, enc: json.NewEncoder(w),
		waiters: map[int]chan response{}, dead: make(chan struct{})}
	go c.readLoop()
	return c
}

func (c *helperConn) readLoop() {
	dec := json.NewDecoder(c.r)
	for {
		var resp response
		if err := dec.Decode(&resp); err != nil {
			c.mu.Lock()
			c.deadErr = err
			c.mu.Unlock()
			close(c.dead)
			return
		}
		if testHookResponse != nil {
			testHookResponse(c.name, resp)
		}
		c.mu.Lock()
		ch := c.waiters[resp.Seq]
		delete(c.waiters, resp.Seq)
		c.mu.Unlock()
		if ch != nil {
			ch <- resp // buffered: never blocks
		}
	}
}

// send queues a request; the helper handles its requests in order.
func (c *helperConn) send(req request) (<-chan response, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	select {
	case <-c.dead:
		return nil, fmt.Errorf("helper %s (pid %d) is gone", c.name, c.pid)
	default:
	}
	c.seq++
	req.Seq = c.seq
	ch := make(chan response, 1)
	c.waiters[req.Seq] = ch
	if err := c.enc.Encode(req); err != nil {
		delete(c.waiters, req.Seq)
		return nil, fmt.Errorf("helper %s (pid %d): %w", c.name, c.pid, err)
	}
	return ch, nil
}

// result turns a helper's answer into an error when it reports one.
func (c *helperConn) result(resp response) (response, error) {
	if resp.Err != "" {
		return resp, fmt.Errorf("helper %s: %s", c.name, resp.Err)
	}
	return resp, nil
}

// wait waits for the response on ch.
func (c *helperConn) wait(ctx context.Context, ch <-chan response) (response, error) {
	select {
	case resp := <-ch:
		return c.result(resp)
	case <-c.dead:
		// A response may have raced with the end of the stream.
		select {
		case resp := <-ch:
			return c.result(resp)
		default:
		}
		return response{}, fmt.Errorf("helper %s (pid %d) died", c.name, c.pid)
	case <-ctx.Done():
		return response{}, errAbandoned
	}
}

// call sends req and waits for its response.
func (c *helperConn) call(ctx context.Context, req request) (response, error) {
	ch, err := c.send(req)
	if err != nil {
		return response{}, err
	}
	return c.wait(ctx, ch)
}

func (c *helperConn) close() {
	c.w.Close()
	c.r.Close()
}
