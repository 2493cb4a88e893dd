// int8 weight-stationary systolic array, ROWS x COLS processing elements (PEs).
//
// GEMM mapping (as hw/tpu/tpu_cost.h): Y (M x N) = X (M x K) * W (K x N); a fold holds a
// ROWS x COLS tile of W (K index -> array row i, N index -> array column j); the M rows of
// X stream through it. PE(i, j) holds w(i, j), passes x to the right and adds x * w into the
// int32 partial sum coming from above (two's complement, wraps modulo 2^32).
//
// Pin protocol (one clock edge = one cycle; every input sampled at the rising edge):
//  - Weight shift-in (double buffer): with w_shift high, w_row (COLS int8, column j in bits
//    [8j+7:8j]) enters row 0 of the shadow buffer and every shadow row moves down one; after
//    ROWS shifts the shadow holds the tile, the row shifted first in array row ROWS-1. The
//    shadow may load while the active weights compute (that is the double buffer).
//  - w_swap: the shadow becomes the active tile and a fold opens. Legal only with the shadow
//    full (exactly ROWS shifts since the last swap), no shift at the same edge and nothing in
//    flight (the previous fold's inputs have left every PE). x_valid may rise on the swap
//    edge itself: that input already uses the new tile.
//  - x_valid / x_row (ROWS int8, row i in bits [8i+7:8i]) / x_last: one row of X per edge
//    inside a fold; x_last marks its last row and closes the fold. The array skews the feed
//    itself: array row i sees x_row's byte i i cycles later.
//  - y_valid / y_row (COLS int32, column j in bits [32j+31:32j]) / y_last: the array de-skews
//    its outputs; the row of Y for the input row sampled at edge e is registered at edge
//    e + ROWS + COLS - 2. A fold of M rows whose first input is sampled at edge 0 thus ends
//    at edge M + ROWS + COLS - 3: ROWS + COLS + M - 2 cycles (tpu_cost.h's fold_compute).
//  - busy: a fold is open or inputs are in flight; shadow_full: ROWS rows shifted in.
// Assertions (immediate, with --assert; each $error names its rule):
//  SA_SWAP_IN_FLIGHT, SA_SWAP_SHADOW_NOT_FULL, SA_SWAP_WHILE_SHIFT, SA_SHIFT_OVERFLOW,
//  SA_X_OUTSIDE_FOLD, SA_LAST_WITHOUT_VALID.
module ebatch_systolic_array #(
    parameter int ROWS = 8,
    parameter int COLS = 8
) (
    input  logic                   clk,
    input  logic                   rst_n,
    input  logic                   w_shift,
    input  logic [     COLS*8-1:0] w_row,
    input  logic                   w_swap,
    input  logic                   x_valid,
    input  logic                   x_last,
    input  logic [     ROWS*8-1:0] x_row,
    output logic                   y_valid,
    output logic                   y_last,
    output logic [    COLS*32-1:0] y_row,
    output logic                   busy,
    output logic                   shadow_full
);
  localparam int DEPTH = ROWS + COLS - 1;  // edges from an input row to its output row, plus one

  logic signed [7:0] w_shadow[ROWS][COLS];
  logic signed [7:0] w_active[ROWS][COLS];
  logic signed [7:0] x_reg[ROWS][COLS];  // x leaving PE(i, j) to the right
  logic signed [31:0] p_reg[ROWS][COLS];  // partial sum leaving PE(i, j) downwards
  logic [$clog2(ROWS+1)-1:0] shifts;  // rows shifted into the shadow since the last swap
  logic fold_open;
  logic [DEPTH-1:0] v_pipe, l_pipe;  // valid / last of the row sampled DEPTH-1-k edges ago

  // In flight: a row still has PEs to visit (every pipe stage but the last, which holds the
  // row whose output is registered now).
  wire in_flight = fold_open || (DEPTH > 1 && |v_pipe[DEPTH-2:0]);

  // Shadow buffer, active tile, fold state.
  always_ff @(posedge clk) begin
    if (!rst_n) begin
      shifts <= '0;
      fold_open <= 1'b0;
      for (int i = 0; i < ROWS; i++)
        for (int j = 0; j < COLS; j++) begin
          w_shadow[i][j] <= '0;
          w_active[i][j] <= '0;
        end
    end else begin
      if (w_shift) begin
        for (int j = 0; j < COLS; j++) w_shadow[0][j] <= w_row[8*j+:8];
        for (int i = 1; i < ROWS; i++)
          for (int j = 0; j < COLS; j++) w_shadow[i][j] <= w_shadow[i-1][j];
        shifts <= shifts + 1'b1;
      end
      if (w_swap) begin
        w_active <= w_shadow;
        shifts <= '0;
      end
      if (x_valid && x_last) fold_open <= 1'b0;
      else if (w_swap) fold_open <= 1'b1;
    end
  end

  // Assertions on the protocol.
  always_ff @(posedge clk) begin
    if (rst_n) begin
      if (w_swap) begin
        assert (!in_flight)
        else $error("SA_SWAP_IN_FLIGHT: weight-buffer swap while a fold is in flight");
        assert (shifts == ($clog2(ROWS+1))'(ROWS))
        else $error("SA_SWAP_SHADOW_NOT_FULL: swap after %0d of %0d weight rows", shifts, ROWS);
        assert (!w_shift)
        else $error("SA_SWAP_WHILE_SHIFT: swap and weight shift on the same edge");
      end
      if (w_shift) begin
        assert (shifts < ($clog2(ROWS+1))'(ROWS))
        else $error("SA_SHIFT_OVERFLOW: more than %0d weight rows shifted before a swap", ROWS);
      end
      if (x_valid) begin
        assert (fold_open || w_swap)
        else $error("SA_X_OUTSIDE_FOLD: input valid outside a fold");
      end
      if (x_last) begin
        assert (x_valid)
        else $error("SA_LAST_WITHOUT_VALID: x_last without x_valid");
      end
    end
  end

  // The PE grid. Row i's input is x_row's byte i delayed i edges (the skew); the first
  // input of a fold may arrive on its swap edge, so PE(0, 0) reads the shadow then.
  genvar gi, gj;
  generate
    for (gi = 0; gi < ROWS; gi++) begin : g_row
      logic signed [7:0] x_skew;
      if (gi == 0) begin : g_direct
        assign x_skew = x_valid ? x_row[7:0] : 8'sd0;
      end else begin : g_delay
        logic signed [7:0] dl[gi];
        always_ff @(posedge clk) begin
          dl[0] <= x_valid ? x_row[8*gi+:8] : 8'sd0;
          for (int d = 1; d < gi; d++) dl[d] <= dl[d-1];
        end
        assign x_skew = dl[gi-1];
      end
      for (gj = 0; gj < COLS; gj++) begin : g_col
        wire signed [7:0] x_in = (gj == 0) ? x_skew : x_reg[gi][(gj == 0) ? 0 : gj-1];
        wire signed [31:0] p_in = (gi == 0) ? 32'sd0 : p_reg[(gi == 0) ? 0 : gi-1][gj];
        wire signed [7:0] w = w_swap ? w_shadow[gi][gj] : w_active[gi][gj];
        always_ff @(posedge clk) begin
          x_reg[gi][gj] <= x_in;
          p_reg[gi][gj] <= p_in + 32'(x_in * w);
        end
      end
    end
  endgenerate

  // De-skew: column j's sum leaves row ROWS-1 at edge e + ROWS-1 + j; COLS-1-j more edges.
  generate
    for (gj = 0; gj < COLS; gj++) begin : g_deskew
      if (gj == COLS - 1) begin : g_direct
        assign y_row[32*gj+:32] = p_reg[ROWS-1][gj];
      end else begin : g_delay
        logic [31:0] dl[COLS-1-gj];
        always_ff @(posedge clk) begin
          dl[0] <= p_reg[ROWS-1][gj];
          for (int d = 1; d < COLS - 1 - gj; d++) dl[d] <= dl[d-1];
        end
        assign y_row[32*gj+:32] = dl[COLS-2-gj];
      end
    end
  endgenerate

  always_ff @(posedge clk) begin
    if (!rst_n) begin
      v_pipe <= '0;
      l_pipe <= '0;
    end else begin
      v_pipe <= {v_pipe[DEPTH-2:0], x_valid};
      l_pipe <= {l_pipe[DEPTH-2:0], x_valid && x_last};
    end
  end
  assign y_valid = v_pipe[DEPTH-1];
  assign y_last = l_pipe[DEPTH-1];
  assign busy = in_flight;
  assign shadow_full = shifts == ($clog2(ROWS+1))'(ROWS);
endmodule
