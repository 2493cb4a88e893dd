// The E-BATCH control block: the register file of hw/contract/register_map.h on an APB3
// slave, the completion and error FIFOs, the per-slot sequence counters (QUEUED) and the
// interrupt line. The compute stays transaction-level: the datapath side is the small
// interface below (docs/ARCHITECTURE.md, "RTL co-simulation"), driven by the accelerator's
// timing model through the transactor (hw/rtl/control/rtl_control.h).
//
// Bus: APB3, 32-bit, PREADY tied high: every access is a setup and an access cycle (two
// clocks, as the TLM model's two accelerator cycles). PSLVERR answers an address outside the
// map (or not word aligned). Reads are combinational in the access phase; side effects
// (pops, W1C, START, PUSH) commit at the access phase's rising edge.
// Same-edge ordering: the bus access applies first, then the datapath's events of that cycle
// (a set from the datapath wins over a write-one-to-clear of the same edge).
module ebatch_ctrl #(
    parameter int MAX_SLOTS  = 256,
    parameter int FIFO_DEPTH = 1024
) (
    input  logic         clk,
    input  logic         rst_n,
    // Straps (constant for a run): platform id, slots, queue depth, layers.
    input  logic [ 15:0] cfg_platform,
    input  logic [ 14:0] cfg_slots,
    input  logic [  7:0] cfg_queue_depth,
    input  logic [  7:0] cfg_layers,
    input  logic         cfg_requires_source,  // encoder-decoder network: a push needs SOURCE >= 1
    // APB3 slave.
    input  logic         psel,
    input  logic         penable,
    input  logic         pwrite,
    input  logic [ 31:0] paddr,
    input  logic [ 31:0] pwdata,
    output logic [ 31:0] prdata,
    output logic         pready,
    output logic         pslverr,
    // Datapath -> control.
    input  logic         dp_busy,        // a command runs, or a START waits to take effect
    input  logic         dp_cq_pending,  // a doorbell waits to take effect
    input  logic [ 31:0] dp_cq_head,     // command-queue descriptors finished
    input  logic         dp_done_valid,  // a sequence completed: into the completion FIFO
    input  logic [ 15:0] dp_done_slot,
    input  logic [ 63:0] dp_done_id,
    input  logic [ 31:0] dp_done_steps,  // steps it produced (DONE_STEPS)
    input  logic         dp_err_valid,   // a request failed: into the error FIFO
    input  logic [ 15:0] dp_err_slot,
    input  logic [  7:0] dp_err_code,
    input  logic [ 63:0] dp_err_id,
    input  logic         dp_fail_valid,  // the command failed: ERROR_CODE (first error kept)
    input  logic [  7:0] dp_fail_code,
    input  logic [  2:0] dp_raise,       // IRQ_STATUS bits to set (SEQ_DONE, CMD_DONE, ERROR)
    // Control -> datapath (pulses last one clock after the commit edge).
    output logic         ctl_start,      // START accepted
    output logic [ 31:0] ctl_cmd_steps,
    output logic [ 31:0] ctl_cmd_layers,
    output logic [255:0] ctl_slot_mask,
    output logic         ctl_push,       // PUSH accepted: the staged descriptor below
    output logic [ 15:0] ctl_push_slot,
    output logic [ 63:0] ctl_push_id,
    output logic [ 31:0] ctl_push_length,
    output logic [ 31:0] ctl_push_padded,  // 0 already replaced by the length
    output logic [ 63:0] ctl_push_in,
    output logic [ 63:0] ctl_push_out,
    output logic [ 31:0] ctl_push_source,         // encoder-decoder: the source's steps
    output logic [ 31:0] ctl_push_source_padded,  // 0 already replaced by the source
    output logic         ctl_push_run_to_padded,  // FLAGS bit 0
    output logic         ctl_doorbell,   // CQ_TAIL written
    output logic [ 31:0] ctl_cq_tail,
    output logic [ 31:0] ctl_cq_size,
    output logic [ 63:0] ctl_cq_base,
    output logic [ 63:0] ctl_weights,
    output logic         ctl_fault,      // a register-side error: the running command stops
    output logic [  7:0] ctl_error_code,
    output logic         irq
);
  localparam logic [2:0] SEQ_DONE = 3'b001, ERROR = 3'b100;
  localparam int AW = $clog2(FIFO_DEPTH);
  localparam int SW = $clog2(MAX_SLOTS);
  localparam logic [7:0] E_QUEUE_FULL = 8'd1, E_BAD_DESCRIPTOR = 8'd2, E_BAD_COMMAND = 8'd4;

  // ---- registers ----
  logic [2:0] irq_status_q, irq_enable_q;
  logic [7:0] error_code_q;
  logic [31:0] cmd_steps_q, cmd_layers_q, cq_size_q, cq_tail_q;
  logic [63:0] weights_q  /*verilator public_flat_rw*/;
  logic [63:0] cq_base_q;
  logic [31:0] mask_q[8];
  // Storage arrays (staging, counters, FIFO memories) are not reset, as RAMs; Verilator starts
  // them at zero, as the TLM model's state starts.
  // Per slot, one word per offset / 4: ID_LO, ID_HI, LENGTH, PADDED, IN_LO/HI, OUT_LO/HI, -, -,
  // SOURCE, SOURCE_PADDED, FLAGS (bit 0 kept), -, -, -.
  logic [31:0] stage_q[MAX_SLOTS*16];
  logic [8:0] queued_q[MAX_SLOTS];  // per slot: sequences pushed, not yet completed or failed
  logic gap_q;  // the interrupt line drops for this cycle (one edge per popped entry)
  // Completion FIFO: steps, slot and request id; error FIFO: code, slot and request id.
  logic [111:0] done_mem[FIFO_DEPTH];
  logic [87:0] err_mem[FIFO_DEPTH];
  logic [AW-1:0] done_rd_q, done_wr_q, err_rd_q, err_wr_q;
  logic [AW:0] done_count_q, err_count_q;
  /* verilator lint_off UNUSEDSIGNAL */
  logic [111:0] done_last_q;  // the entry last popped (DONE_STEPS, DONE_ID_LO/HI; its slot bits unused)
  logic [87:0] err_last_q;
  /* verilator lint_on UNUSEDSIGNAL */

  // ---- address decode ----
  logic in_global, in_slots, access, wr, rd;
  logic [31:0] slot_rel;
  logic [SW-1:0] slot;
  logic [5:0] offset;
  assign in_global = paddr < 32'h100;
  assign slot_rel = paddr - 32'h1000;
  assign in_slots = paddr >= 32'h1000 && slot_rel < {11'd0, cfg_slots, 6'd0};
  assign slot = slot_rel[6+:SW];
  assign offset = slot_rel[5:0];
  assign pready = 1'b1;
  assign pslverr = psel && penable && ((!in_global && !in_slots) || paddr[1:0] != 2'b00);
  assign access = psel && penable && !pslverr;
  assign wr = access && pwrite;
  assign rd = access && !pwrite;

  // ---- reads (combinational in the access phase) ----
  always_comb begin
    prdata = 32'd0;
    if (rd && in_slots) begin
      if (offset == 6'h24) prdata = {23'd0, queued_q[slot]};
    end else if (rd) begin
      unique case (paddr[7:0])
        8'h00: prdata = 32'hEBA70000 | {16'd0, cfg_platform};
        8'h04: prdata = {cfg_layers, cfg_queue_depth, 1'b1, cfg_slots};
        8'h0C: prdata = {30'd0, error_code_q != 0 || err_count_q != 0, dp_busy || dp_cq_pending};
        8'h10: prdata = {29'd0, irq_status_q};
        8'h14: prdata = {29'd0, irq_enable_q};
        8'h18: prdata = cmd_steps_q;
        8'h1C: prdata = cmd_layers_q;
        8'h40: prdata = done_count_q != 0 ? {16'h8000, done_mem[done_rd_q][79:64]} : 32'd0;
        8'h44: prdata = done_last_q[31:0];
        8'h48: prdata = done_last_q[63:32];
        8'h4C: prdata = {{(31 - AW) {1'b0}}, done_count_q};
        8'h50: prdata = {24'd0, error_code_q};
        8'h54: prdata = weights_q[31:0];
        8'h58: prdata = weights_q[63:32];
        8'h5C: prdata = err_count_q != 0 ? {8'h80, err_mem[err_rd_q][87:64]} : 32'd0;
        8'h60: prdata = err_last_q[31:0];
        8'h64: prdata = err_last_q[63:32];
        8'h68: prdata = {{(31 - AW) {1'b0}}, err_count_q};
        8'h6C: prdata = cq_base_q[31:0];
        8'h70: prdata = cq_base_q[63:32];
        8'h74: prdata = cq_size_q;
        8'h78: prdata = cq_tail_q;
        8'h7C: prdata = dp_cq_head;
        8'h80: prdata = done_last_q[111:80];
        default: begin
          if (paddr[7:0] >= 8'h20 && paddr[7:0] < 8'h40) prdata = mask_q[paddr[4:2]];
        end
      endcase
    end
  end

  // ---- bus-side events of this edge ----
  logic done_pop, err_pop, w1c, start_req, push_req, doorbell;
  logic [31:0] push_padded;
  logic [31:0] push_length;
  assign done_pop = rd && in_global && paddr[7:0] == 8'h40 && done_count_q != 0;
  assign err_pop = rd && in_global && paddr[7:0] == 8'h5C && err_count_q != 0;
  assign w1c = wr && in_global && paddr[7:0] == 8'h10;
  assign start_req = wr && in_global && paddr[7:0] == 8'h08 && pwdata[0];
  assign doorbell = wr && in_global && paddr[7:0] == 8'h78;
  assign push_req = wr && in_slots && offset == 6'h20 && pwdata[0];
  assign push_length = stage_q[{slot, 4'd2}];
  assign push_padded = stage_q[{slot, 4'd3}] == 0 ? push_length : stage_q[{slot, 4'd3}];
  logic [31:0] push_source, push_source_padded;
  assign push_source = stage_q[{slot, 4'd10}];
  assign push_source_padded = stage_q[{slot, 4'd11}] == 0 ? push_source : stage_q[{slot, 4'd11}];
  logic bad_descriptor, bad_source, queue_full, bad_start, fault;
  assign bad_source = cfg_requires_source && (push_source == 0 || push_source_padded < push_source);
  assign bad_descriptor = push_req && (push_length == 0 || push_padded < push_length || bad_source);
  assign queue_full = push_req && !bad_descriptor && queued_q[slot] >= {1'b0, cfg_queue_depth};
  assign bad_start = start_req && dp_busy;
  assign fault = bad_descriptor || queue_full || bad_start;
  logic [7:0] fault_code;
  assign fault_code = bad_descriptor ? E_BAD_DESCRIPTOR : queue_full ? E_QUEUE_FULL : E_BAD_COMMAND;

  logic push_ok, done_here, err_here, err_at_done;
  logic [SW-1:0] done_slot, err_slot;
  assign done_slot = dp_done_slot[SW-1:0];
  assign err_slot = dp_err_slot[SW-1:0];
  assign push_ok = push_req && !fault;
  assign done_here = push_ok && dp_done_valid && done_slot == slot;
  assign err_here = push_ok && dp_err_valid && err_slot == slot;
  assign err_at_done = dp_done_valid && dp_err_valid && err_slot == done_slot;

  // Counts after this edge: the pop first (bus), then the datapath's push.
  logic [AW:0] done_count_d, err_count_d;
  assign done_count_d = done_count_q - {{AW{1'b0}}, done_pop} + {{AW{1'b0}}, dp_done_valid};
  assign err_count_d = err_count_q - {{AW{1'b0}}, err_pop} + {{AW{1'b0}}, dp_err_valid};
  logic [7:0] error_code_bus;  // after the bus access's own fault
  assign error_code_bus = error_code_q == 0 && fault ? fault_code : error_code_q;

  // IRQ_STATUS after the bus access, then the datapath's raises.
  logic [2:0] status_bus;
  always_comb begin
    status_bus = irq_status_q;
    if (w1c) begin
      status_bus = irq_status_q & ~pwdata[2:0];
      if (done_count_q != 0) status_bus = status_bus | SEQ_DONE;  // still waiting: stays pending
      if (err_count_q != 0) status_bus = status_bus | ERROR;
    end
    if (done_pop && done_count_q == 1) status_bus = status_bus & ~SEQ_DONE;
    if (err_pop && err_count_q == 1 && error_code_q == 0) status_bus = status_bus & ~ERROR;
    if (fault) status_bus = status_bus | ERROR;
  end

  assign irq = |(irq_status_q & irq_enable_q) && !gap_q;
  assign ctl_cmd_steps = cmd_steps_q;
  assign ctl_cmd_layers = cmd_layers_q;
  assign ctl_slot_mask = {mask_q[7], mask_q[6], mask_q[5], mask_q[4], mask_q[3], mask_q[2], mask_q[1], mask_q[0]};
  assign ctl_cq_tail = cq_tail_q;
  assign ctl_cq_size = cq_size_q;
  assign ctl_cq_base = cq_base_q;
  assign ctl_weights = weights_q;
  assign ctl_error_code = error_code_q;

  always_ff @(posedge clk or negedge rst_n) begin
    if (!rst_n) begin
      irq_status_q <= '0;
      irq_enable_q <= '0;
      error_code_q <= '0;
      cmd_steps_q <= '0;
      cmd_layers_q <= '0;
      cq_size_q <= '0;
      cq_tail_q <= '0;
      weights_q <= '0;
      cq_base_q <= '0;
      gap_q <= 1'b0;
      done_rd_q <= '0;
      done_wr_q <= '0;
      err_rd_q <= '0;
      err_wr_q <= '0;
      done_count_q <= '0;
      err_count_q <= '0;
      done_last_q <= '0;
      err_last_q <= '0;
      ctl_start <= 1'b0;
      ctl_push <= 1'b0;
      ctl_doorbell <= 1'b0;
      ctl_fault <= 1'b0;
      ctl_push_slot <= '0;
      ctl_push_id <= '0;
      ctl_push_length <= '0;
      ctl_push_padded <= '0;
      ctl_push_in <= '0;
      ctl_push_out <= '0;
      ctl_push_source <= '0;
      ctl_push_source_padded <= '0;
      ctl_push_run_to_padded <= 1'b0;
      for (int i = 0; i < 8; i++) mask_q[i] <= '0;
    end else begin
      // Bus writes.
      if (wr && in_slots && (offset < 6'h20 || offset == 6'h28 || offset == 6'h2C))
        stage_q[{slot, offset[5:2]}] <= pwdata;
      if (wr && in_slots && offset == 6'h30) stage_q[{slot, 4'd12}] <= {31'd0, pwdata[0]};
      if (wr && in_global) begin
        unique case (paddr[7:0])
          8'h14: irq_enable_q <= pwdata[2:0];
          8'h18: cmd_steps_q <= pwdata;
          8'h1C: cmd_layers_q <= pwdata;
          8'h54: weights_q[31:0] <= pwdata;
          8'h58: weights_q[63:32] <= pwdata;
          8'h6C: cq_base_q[31:0] <= pwdata;
          8'h70: cq_base_q[63:32] <= pwdata;
          8'h74: cq_size_q <= pwdata;
          8'h78: cq_tail_q <= pwdata;
          default: if (paddr[7:0] >= 8'h20 && paddr[7:0] < 8'h40) mask_q[paddr[4:2]] <= pwdata;
        endcase
      end
      // Pulses to the datapath.
      ctl_start <= start_req && !bad_start;
      ctl_doorbell <= doorbell;
      ctl_fault <= fault;
      ctl_push <= push_ok;
      if (push_req) begin
        ctl_push_slot <= 16'(slot);
        ctl_push_id <= {stage_q[{slot, 4'd1}], stage_q[{slot, 4'd0}]};
        ctl_push_length <= push_length;
        ctl_push_padded <= push_padded;
        ctl_push_in <= {stage_q[{slot, 4'd5}], stage_q[{slot, 4'd4}]};
        ctl_push_out <= {stage_q[{slot, 4'd7}], stage_q[{slot, 4'd6}]};
        ctl_push_source <= push_source;
        ctl_push_source_padded <= push_source_padded;
        ctl_push_run_to_padded <= stage_q[{slot, 4'd12}][0];
      end
      // Per-slot sequence counters: +1 per accepted push, -1 per completion or failure.
      // Up to three slots change at an edge; one update per distinct slot.
      if (push_ok) queued_q[slot] <= queued_q[slot] + 9'd1 - 9'(done_here) - 9'(err_here);
      if (dp_done_valid && !done_here) queued_q[done_slot] <= queued_q[done_slot] - 9'd1 - 9'(err_at_done);
      if (dp_err_valid && !err_here && !err_at_done) queued_q[err_slot] <= queued_q[err_slot] - 9'd1;
      // FIFOs: the bus pops first, then the datapath pushes.
      if (done_pop) begin
        done_last_q <= done_mem[done_rd_q];
        done_rd_q <= done_rd_q + 1'b1;
      end
      if (dp_done_valid) begin
        done_mem[done_wr_q] <= {dp_done_steps, dp_done_slot, dp_done_id};
        done_wr_q <= done_wr_q + 1'b1;
      end
      done_count_q <= done_count_d;
      if (err_pop) begin
        err_last_q <= err_mem[err_rd_q];
        err_rd_q <= err_rd_q + 1'b1;
      end
      if (dp_err_valid) begin
        err_mem[err_wr_q] <= {dp_err_code, dp_err_slot, dp_err_id};
        err_wr_q <= err_wr_q + 1'b1;
      end
      err_count_q <= err_count_d;
      // Interrupt: a pop with more waiting drops the line for one cycle.
      gap_q <= (done_pop && done_count_q > 1) || (err_pop && err_count_q > 1);
      irq_status_q <= status_bus | dp_raise;
      error_code_q <= error_code_bus == 0 && dp_fail_valid ? dp_fail_code : error_code_bus;
    end
  end

  // ---- assertions (Verilator --assert) ----
  // APB protocol: the previous cycle's request, to check the setup -> access sequence.
  logic prev_psel, prev_penable, prev_pwrite;
  logic [31:0] prev_paddr, prev_pwdata;
  always_ff @(posedge clk or negedge rst_n) begin
    if (!rst_n) begin
      prev_psel <= 1'b0;
      prev_penable <= 1'b0;
      prev_pwrite <= 1'b0;
      prev_paddr <= '0;
      prev_pwdata <= '0;
    end else begin
      prev_psel <= psel;
      prev_penable <= penable;
      prev_pwrite <= pwrite;
      prev_paddr <= paddr;
      prev_pwdata <= pwdata;
      assert (!penable || psel)
      else $error("APB: PENABLE without PSEL");
      assert (!(psel && penable) || (prev_psel && !prev_penable))
      else $error("APB: access phase without a setup phase");
      assert (!(psel && penable) || (paddr == prev_paddr && pwrite == prev_pwrite && (!pwrite || pwdata == prev_pwdata)))
      else $error("APB: address, direction or data changed between setup and access");
      assert (!dp_done_valid || done_count_q < (AW + 1)'(FIFO_DEPTH) || done_pop)
      else $error("completion FIFO overflow");
      assert (!dp_err_valid || err_count_q < (AW + 1)'(FIFO_DEPTH) || err_pop)
      else $error("error FIFO overflow");
      assert (!dp_done_valid || (dp_done_slot < 16'(cfg_slots) && queued_q[dp_done_slot[SW-1:0]] != 0))
      else $error("completion for a slot with no sequence queued (counter underflow)");
      assert (!dp_err_valid || (dp_err_slot < 16'(cfg_slots) && queued_q[dp_err_slot[SW-1:0]] != 0))
      else $error("failure for a slot with no sequence queued (counter underflow)");
    end
  end
endmodule
