# The keys of stats.json, generated from tb/stats_schema.h by
#   ebatch run --describe-stats=python > tools/stats_keys.py
# Do not edit: the StatsSchema.PythonModuleIsGenerated test compares the two.
# Dotted paths; <i> is a list index, <component> / <action> an energy component / action name.


def name(key):
    """The last part of a key: what stands in its JSON object."""
    return key.rsplit(".", 1)[-1]


EXPERIMENT = "experiment"
PLATFORM = "platform"
POLICY = "policy"
NETWORK = "network"
SEED = "seed"
POLICY_DESCRIPTION = "policy_description"
WINDOW_STEPS = "window_steps"
TUNER = "tuner"
TUNER_I = "tuner.<i>"
TUNER_I_WINDOW = "tuner.<i>.window"
TUNER_I_ENERGY_PER_SEQUENCE_J = "tuner.<i>.energy_per_sequence_j"
TUNER_I_P99_LATENCY_S = "tuner.<i>.p99_latency_s"
TUNER_I_MEAN_LATENCY_S = "tuner.<i>.mean_latency_s"
TUNER_I_THROUGHPUT_PER_S = "tuner.<i>.throughput_per_s"
COMPLETE = "complete"
ERROR = "error"
INTERRUPTED_BY = "interrupted_by"
REQUESTS_SUBMITTED = "requests_submitted"
REQUESTS_COMPLETED = "requests_completed"
REQUESTS_FAILED = "requests_failed"
FAILED_REQUESTS = "failed_requests"
FAILED_REQUESTS_I = "failed_requests.<i>"
FAILED_REQUESTS_I_ID = "failed_requests.<i>.id"
FAILED_REQUESTS_I_SLOT = "failed_requests.<i>.slot"
FAILED_REQUESTS_I_REASON = "failed_requests.<i>.reason"
FAILED_REQUESTS_I_TIME_S = "failed_requests.<i>.time_s"
SIMULATED_TIME_S = "simulated_time_s"
THROUGHPUT_SEQUENCES_PER_S = "throughput_sequences_per_s"
LATENCY_S = "latency_s"
LATENCY_S_MEAN = "latency_s.mean"
LATENCY_S_P50 = "latency_s.p50"
LATENCY_S_P95 = "latency_s.p95"
LATENCY_S_P99 = "latency_s.p99"
LATENCY_S_MAX = "latency_s.max"
LATENCY_S_QUANTILE_RELATIVE_ERROR = "latency_s.quantile_relative_error"
ENERGY_J = "energy_j"
ENERGY_J_TOTAL = "energy_j.total"
ENERGY_J_DYNAMIC = "energy_j.dynamic"
ENERGY_J_LEAKAGE = "energy_j.leakage"
ENERGY_J_PER_SEQUENCE = "energy_j.per_sequence"
ENERGY_J_COMPONENTS = "energy_j.components"
ENERGY_J_COMPONENTS_COMPONENT = "energy_j.components.<component>"
ENERGY_J_COMPONENTS_COMPONENT_TOTAL = "energy_j.components.<component>.total"
ENERGY_J_COMPONENTS_COMPONENT_DYNAMIC = "energy_j.components.<component>.dynamic"
ENERGY_J_COMPONENTS_COMPONENT_LEAKAGE = "energy_j.components.<component>.leakage"
ENERGY_J_COMPONENTS_COMPONENT_ACTIONS = "energy_j.components.<component>.actions"
ENERGY_J_COMPONENTS_COMPONENT_ACTIONS_ACTION = "energy_j.components.<component>.actions.<action>"
ENERGY_J_COMPONENTS_COMPONENT_ACTIONS_ACTION_COUNT = "energy_j.components.<component>.actions.<action>.count"
ENERGY_J_COMPONENTS_COMPONENT_ACTIONS_ACTION_ENERGY = "energy_j.components.<component>.actions.<action>.energy"
DRAM = "dram"
DRAM_BYTES_READ = "dram.bytes_read"
DRAM_BYTES_WRITTEN = "dram.bytes_written"
DRAM_BYTES_PER_SEQUENCE = "dram.bytes_per_sequence"
DRAM_BUSY_FRACTION = "dram.busy_fraction"
ACCELERATOR = "accelerator"
ACCELERATOR_COMMANDS = "accelerator.commands"
ACCELERATOR_LAYER_PASSES = "accelerator.layer_passes"
ACCELERATOR_INTERRUPTS = "accelerator.interrupts"
ACCELERATOR_COMPUTE_CYCLES = "accelerator.compute_cycles"
ACCELERATOR_WEIGHT_LOAD_BYTES = "accelerator.weight_load_bytes"
ACCELERATOR_WEIGHT_STREAM_BYTES = "accelerator.weight_stream_bytes"
ACCELERATOR_MACS = "accelerator.macs"
ACCELERATOR_COMPUTE_UTILISATION = "accelerator.compute_utilisation"
ONCHIP = "onchip"
ONCHIP_MEMORY = "onchip.<memory>"
ONCHIP_MEMORY_CAPACITY_BYTES = "onchip.<memory>.capacity_bytes"
ONCHIP_MEMORY_PEAK_BYTES = "onchip.<memory>.peak_bytes"
ONCHIP_MEMORY_PASSES_OVER_CAPACITY = "onchip.<memory>.passes_over_capacity"
ONCHIP_MEMORY_SPILL_BYTES = "onchip.<memory>.spill_bytes"
ONCHIP_MEMORY_HELD_PEAK_BYTES = "onchip.<memory>.held_peak_bytes"
ONCHIP_MEMORY_MEAN_BYTES = "onchip.<memory>.mean_bytes"
STEP_SLOTS = "step_slots"
STEP_SLOTS_USEFUL = "step_slots.useful"
STEP_SLOTS_PADDING = "step_slots.padding"
STEP_SLOTS_COMPUTED = "step_slots.computed"
STEP_SLOTS_PADDING_FRACTION = "step_slots.padding_fraction"
FUNCTIONAL = "functional"
FUNCTIONAL_PRECISION = "functional.precision"
FUNCTIONAL_SEQUENCES_COMPARED = "functional.sequences_compared"
FUNCTIONAL_MISMATCHES = "functional.mismatches"
FUNCTIONAL_MAX_ABS_ERROR = "functional.max_abs_error"
FUNCTIONAL_MAX_REL_ERROR = "functional.max_rel_error"
FUNCTIONAL_FIRST_MISMATCH = "functional.first_mismatch"
SEQUENCE_LAYER_STEPS = "sequence_layer_steps"

UNITS = {
    "experiment": "",
    "platform": "",
    "policy": "",
    "network": "",
    "seed": "",
    "policy_description": "",
    "window_steps": "time-steps",
    "tuner": "",
    "tuner.<i>": "",
    "tuner.<i>.window": "time-steps",
    "tuner.<i>.energy_per_sequence_j": "J",
    "tuner.<i>.p99_latency_s": "s",
    "tuner.<i>.mean_latency_s": "s",
    "tuner.<i>.throughput_per_s": "sequences/s",
    "complete": "",
    "error": "",
    "interrupted_by": "",
    "requests_submitted": "",
    "requests_completed": "",
    "requests_failed": "",
    "failed_requests": "",
    "failed_requests.<i>": "",
    "failed_requests.<i>.id": "",
    "failed_requests.<i>.slot": "",
    "failed_requests.<i>.reason": "",
    "failed_requests.<i>.time_s": "s",
    "simulated_time_s": "s",
    "throughput_sequences_per_s": "sequences/s",
    "latency_s": "s",
    "latency_s.mean": "s",
    "latency_s.p50": "s",
    "latency_s.p95": "s",
    "latency_s.p99": "s",
    "latency_s.max": "s",
    "latency_s.quantile_relative_error": "",
    "energy_j": "J",
    "energy_j.total": "J",
    "energy_j.dynamic": "J",
    "energy_j.leakage": "J",
    "energy_j.per_sequence": "J",
    "energy_j.components": "",
    "energy_j.components.<component>": "",
    "energy_j.components.<component>.total": "J",
    "energy_j.components.<component>.dynamic": "J",
    "energy_j.components.<component>.leakage": "J",
    "energy_j.components.<component>.actions": "",
    "energy_j.components.<component>.actions.<action>": "",
    "energy_j.components.<component>.actions.<action>.count": "",
    "energy_j.components.<component>.actions.<action>.energy": "J",
    "dram": "",
    "dram.bytes_read": "B",
    "dram.bytes_written": "B",
    "dram.bytes_per_sequence": "B",
    "dram.busy_fraction": "fraction",
    "accelerator": "",
    "accelerator.commands": "",
    "accelerator.layer_passes": "",
    "accelerator.interrupts": "",
    "accelerator.compute_cycles": "cycles",
    "accelerator.weight_load_bytes": "B",
    "accelerator.weight_stream_bytes": "B",
    "accelerator.macs": "MACs",
    "accelerator.compute_utilisation": "fraction",
    "onchip": "",
    "onchip.<memory>": "",
    "onchip.<memory>.capacity_bytes": "B",
    "onchip.<memory>.peak_bytes": "B",
    "onchip.<memory>.passes_over_capacity": "",
    "onchip.<memory>.spill_bytes": "B",
    "onchip.<memory>.held_peak_bytes": "B",
    "onchip.<memory>.mean_bytes": "B",
    "step_slots": "",
    "step_slots.useful": "",
    "step_slots.padding": "",
    "step_slots.computed": "",
    "step_slots.padding_fraction": "fraction",
    "functional": "",
    "functional.precision": "",
    "functional.sequences_compared": "",
    "functional.mismatches": "",
    "functional.max_abs_error": "",
    "functional.max_rel_error": "",
    "functional.first_mismatch": "",
    "sequence_layer_steps": "",
}

DESCRIPTIONS = {
    "experiment": "the experiment's name",
    "platform": "the accelerator: epur or tpu",
    "policy": "the batching policy: none, padded, cellular or ebatch",
    "network": "the RNN's name",
    "seed": "the seed of requests and random weights",
    "policy_description": "the policy and its parameters in words (e.g. how the window was chosen)",
    "window_steps": "E-BATCH's window N",
    "tuner": "the window tuner's candidates, one object each",
    "tuner.<i>": "one candidate window and its pilot run's figures",
    "tuner.<i>.window": "a candidate window N",
    "tuner.<i>.energy_per_sequence_j": "energy per sequence of the pilot run with this window",
    "tuner.<i>.p99_latency_s": "p99 latency of the pilot run with this window",
    "tuner.<i>.mean_latency_s": "mean latency of the pilot run with this window",
    "tuner.<i>.throughput_per_s": "throughput of the pilot run with this window",
    "complete": "every request completed: no error, interruption or failed request",
    "error": "why the run failed",
    "interrupted_by": "the signal that stopped the run: SIGINT or SIGTERM",
    "requests_submitted": "requests in the workload",
    "requests_completed": "requests finished",
    "requests_failed": "requests the accelerator dropped",
    "failed_requests": "the dropped requests, one object each",
    "failed_requests.<i>": "one dropped request",
    "failed_requests.<i>.id": "the request's id",
    "failed_requests.<i>.slot": "the slot it ran in",
    "failed_requests.<i>.reason": "the accelerator's error",
    "failed_requests.<i>.time_s": "when it failed (simulated)",
    "simulated_time_s": "simulated time to the last request",
    "throughput_sequences_per_s": "requests completed / simulated time",
    "latency_s": "request latency: finish - arrival",
    "latency_s.mean": "mean latency (exact)",
    "latency_s.p50": "median latency (streaming histogram)",
    "latency_s.p95": "95th percentile latency (streaming histogram)",
    "latency_s.p99": "99th percentile latency (streaming histogram)",
    "latency_s.max": "largest latency (exact)",
    "latency_s.quantile_relative_error": "bound on the percentiles' relative error",
    "energy_j": "energy of the run",
    "energy_j.total": "dynamic + leakage",
    "energy_j.dynamic": "energy of the actions",
    "energy_j.leakage": "leakage power x simulated time",
    "energy_j.per_sequence": "total / requests completed",
    "energy_j.components": "energy per hardware component",
    "energy_j.components.<component>": "one component (dram, weight_buffer, ...)",
    "energy_j.components.<component>.total": "the component's dynamic + leakage",
    "energy_j.components.<component>.dynamic": "the component's action energy",
    "energy_j.components.<component>.leakage": "the component's leakage energy",
    "energy_j.components.<component>.actions": "the component's actions (read, write, mac, ...)",
    "energy_j.components.<component>.actions.<action>": "one action",
    "energy_j.components.<component>.actions.<action>.count": "how many times it happened",
    "energy_j.components.<component>.actions.<action>.energy": "count x energy per action",
    "dram": "DRAM traffic",
    "dram.bytes_read": "bytes read from DRAM",
    "dram.bytes_written": "bytes written to DRAM",
    "dram.bytes_per_sequence": "(read + written) / requests completed",
    "dram.busy_fraction": "share of simulated time the DRAM was transferring",
    "accelerator": "what the accelerator did",
    "accelerator.commands": "commands executed",
    "accelerator.layer_passes": "layer passes computed",
    "accelerator.interrupts": "interrupts raised",
    "accelerator.compute_cycles": "cycles spent computing",
    "accelerator.weight_load_bytes": "weight bytes loaded from DRAM into on-chip buffers",
    "accelerator.weight_stream_bytes": "weight bytes streamed from DRAM because they do not fit on chip, over all passes",
    "accelerator.macs": "multiply-accumulates computed",
    "accelerator.compute_utilisation": "busy unit-cycles / available unit-cycles",
    "onchip": "working sets of the on-chip memories, per memory (hw/onchip.h)",
    "onchip.<memory>": "one memory (intermediate_memory, unified_buffer, accumulators)",
    "onchip.<memory>.capacity_bytes": "the memory's capacity",
    "onchip.<memory>.peak_bytes": "the largest working set of a layer pass (held activations included)",
    "onchip.<memory>.passes_over_capacity": "layer passes whose working set exceeded the capacity",
    "onchip.<memory>.spill_bytes": "bytes spilled to DRAM, each read back once (hardware.spill: dram; else 0)",
    "onchip.<memory>.held_peak_bytes": "the most activations held between two passes for later passes",
    "onchip.<memory>.mean_bytes": "the mean working set of a layer pass",
    "step_slots": "slot-time-steps computed",
    "step_slots.useful": "step-slots of real time-steps",
    "step_slots.padding": "step-slots of padding",
    "step_slots.computed": "useful + padding",
    "step_slots.padding_fraction": "padding / computed",
    "functional": "the golden-model check",
    "functional.precision": "the datapath's precision",
    "functional.sequences_compared": "sequences checked against the golden model",
    "functional.mismatches": "sequences outside the tolerance",
    "functional.max_abs_error": "largest absolute output error",
    "functional.max_rel_error": "largest relative output error",
    "functional.first_mismatch": "the first sequence that differs",
    "sequence_layer_steps": "sum over requests of length x layers (the work)",
}
