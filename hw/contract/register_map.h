// The accelerator's register map: the only contract between the host runtime
// and either platform (E-PUR or TPU). 32-bit registers, byte addresses.
// docs/ARCHITECTURE.md lists the same map; keep both in step.
// Debug (untimed) accesses, for a driver's probe: reads of every register
// except the pops (DONE_POP, ERR_POP read 0 and pop nothing); writes of
// WEIGHTS_LO/HI only.
#pragma once

#include <cstdint>

namespace ebatch::regs {

constexpr std::uint32_t kId = 0x000;  // RO: kIdValue | platform (PlatformSpec::register_id: 0 E-PUR, 1 TPU)
constexpr std::uint32_t kIdValue = 0xEBA70000;
constexpr std::uint32_t kIdMask = 0xffff0000;  // the signature's bits
constexpr std::uint32_t kCaps = 0x004;    // RO: slots (bits 0-14), CMDQ (bit 15), queue depth (16-23), layers (24-31)
constexpr std::uint32_t kCtrl = 0x008;    // WO: bit 0 START the programmed command
constexpr std::uint32_t kStatus = 0x00C;  // RO: bit 0 BUSY, bit 1 ERROR
constexpr std::uint32_t kIrqStatus = 0x010;  // R/W1C: bit 0 SEQ_DONE, bit 1 CMD_DONE, bit 2 ERROR
constexpr std::uint32_t kIrqEnable = 0x014;  // RW: same bits
constexpr std::uint32_t kCmdSteps = 0x018;   // RW: window N; 0 = as many steps as possible
constexpr std::uint32_t kCmdLayers = 0x01C;  // RW: first layer (bits 0-7), last layer (bits 8-15)
constexpr std::uint32_t kSlotMask0 = 0x020;  // RW: 8 words, bit s of word s/32 = slot s takes part
constexpr std::uint32_t kDonePop = 0x040;    // RO, read pops: bit 31 valid, bits 0-15 slot
constexpr std::uint32_t kDoneIdLo = 0x044;   // RO: request id of the entry last popped (low word)
constexpr std::uint32_t kDoneIdHi = 0x048;   // RO: high word
constexpr std::uint32_t kDoneCount = 0x04C;  // RO: completions waiting
constexpr std::uint32_t kErrorCode = 0x050;  // RO: see ErrorCode
constexpr std::uint32_t kWeightsLo = 0x054;  // RW: DRAM address of the weight image
constexpr std::uint32_t kWeightsHi = 0x058;
// Failed requests (a DRAM error response or an out-of-range address while reading a
// sequence's inputs): the sequence is dropped from its slot, an entry is queued here and
// ERROR is raised, once per entry; the other slots carry on.
constexpr std::uint32_t kErrPop = 0x05C;    // RO, read pops: bit 31 valid, bits 0-15 slot, bits 16-23 ErrorCode
constexpr std::uint32_t kErrIdLo = 0x060;   // RO: request id of the entry last popped (low word)
constexpr std::uint32_t kErrIdHi = 0x064;   // RO: high word
constexpr std::uint32_t kErrCount = 0x068;  // RO: failed requests waiting
// Command queue (CAPS bit 15, CMDQ): a ring of CQ_SIZE command descriptors (kCmdDescriptorBytes
// each, format below) in DRAM at CQ_BASE. The host writes descriptors at entries tail % size
// on, then the new free-running tail count to CQ_TAIL (the doorbell); the accelerator reads the
// new descriptors (one DRAM read, two when the ring wraps) and runs them in order, CQ_HEAD
// counting the ones it finished. Interrupts: SEQ_DONE per completed sequence as for START;
// CMD_DONE when a descriptor flagged kCmdIrq ends or the ring drains (CQ_HEAD == CQ_TAIL).
constexpr std::uint32_t kCqBaseLo = 0x06C;  // RW: DRAM address of the ring (low word)
constexpr std::uint32_t kCqBaseHi = 0x070;  // RW: high word
constexpr std::uint32_t kCqSize = 0x074;    // RW: descriptors in the ring (set while the ring is empty)
constexpr std::uint32_t kCqTail = 0x078;    // RW doorbell: descriptors written so far (free-running count)
constexpr std::uint32_t kCqHead = 0x07C;    // RO: descriptors finished so far (free-running count)
// RO: steps produced by the completion last popped (a decoder's, up to its end-of-sequence;
// otherwise LENGTH). Only the accelerator knows where a decoded sequence ends.
constexpr std::uint32_t kDoneSteps = 0x080;

// Per-slot descriptor block: kSlotBase + slot * kSlotStride.
constexpr std::uint32_t kSlotBase = 0x1000;
constexpr std::uint32_t kSlotStride = 0x40;
constexpr std::uint32_t kSlotIdLo = 0x00;  // RW staging: request id
constexpr std::uint32_t kSlotIdHi = 0x04;
constexpr std::uint32_t kSlotLength = 0x08;  // RW staging: useful steps
constexpr std::uint32_t kSlotPadded = 0x0C;  // RW staging: steps to compute (>= length; 0 = length)
constexpr std::uint32_t kSlotInLo = 0x10;    // RW staging: DRAM address of the inputs
constexpr std::uint32_t kSlotInHi = 0x14;
constexpr std::uint32_t kSlotOutLo = 0x18;  // RW staging: DRAM address for the outputs
constexpr std::uint32_t kSlotOutHi = 0x1C;
constexpr std::uint32_t kSlotPush = 0x20;    // WO: write 1 = queue the staged sequence behind the slot's others
constexpr std::uint32_t kSlotQueued = 0x24;  // RO: sequences queued in the slot (current included)
// Encoder-decoder networks: the source's useful steps and steps to compute (0 = SOURCE). For
// them and for decoders LENGTH is the most target steps the decoder may produce.
constexpr std::uint32_t kSlotSource = 0x28;
constexpr std::uint32_t kSlotSourcePadded = 0x2C;
constexpr std::uint32_t kSlotFlags = 0x30;  // RW staging: bit 0 RUN_TO_PADDED (decoders: compute PADDED steps)
constexpr std::uint32_t kSlotRunToPadded = 1u << 0;
constexpr std::uint32_t kSlotEnd = 0x40;

constexpr std::uint32_t kIrqSeqDone = 1u << 0;
constexpr std::uint32_t kIrqCmdDone = 1u << 1;
constexpr std::uint32_t kIrqError = 1u << 2;
constexpr std::uint32_t kStatusBusy = 1u << 0;
constexpr std::uint32_t kStatusError = 1u << 1;
constexpr std::uint32_t kMaxSlots = 256;
constexpr std::uint32_t kCapsCommandQueue = 1u << 15;  // CAPS: the command queue is there

// A command descriptor in the ring: little-endian 32-bit words.
constexpr std::uint32_t kCmdFlags = 0x00;       // bit 0 IRQ: raise CMD_DONE when this command ends
constexpr std::uint32_t kCmdDescSteps = 0x04;   // as CMD_STEPS
constexpr std::uint32_t kCmdDescLayers = 0x08;  // as CMD_LAYERS
constexpr std::uint32_t kCmdDescMask0 = 0x10;   // 8 words, as SLOT_MASK (0x0C is reserved, 0)
constexpr std::uint32_t kCmdDescriptorBytes = 0x30;
constexpr std::uint32_t kCmdIrq = 1u << 0;

enum ErrorCode : std::uint32_t {
  kErrNone = 0,
  kErrQueueFull = 1,  // a push to a full slot queue
  kErrBadDescriptor = 2,
  kErrDram = 3,        // DRAM answered with an error response
  kErrBadCommand = 4,  // started while busy, or a bad layer range
  kErrAddress = 5,     // a DRAM address outside the memory (e.g. a corrupted descriptor)
};

constexpr const char* error_name(std::uint32_t code) {
  switch (code) {
    case kErrQueueFull:
      return "slot queue full";
    case kErrBadDescriptor:
      return "bad sequence descriptor";
    case kErrDram:
      return "DRAM error response";
    case kErrBadCommand:
      return "bad command";
    case kErrAddress:
      return "DRAM address out of range";
    default:
      return "unknown error";
  }
}

constexpr std::uint32_t make_caps(std::uint32_t slots, std::uint32_t queue_depth, std::uint32_t layers) {
  return (slots & 0x7fff) | ((queue_depth & 0xff) << 16) | ((layers & 0xff) << 24);
}
constexpr std::uint32_t caps_slots(std::uint32_t caps) { return caps & 0x7fff; }
constexpr std::uint32_t caps_queue_depth(std::uint32_t caps) { return (caps >> 16) & 0xff; }
constexpr std::uint32_t caps_layers(std::uint32_t caps) { return (caps >> 24) & 0xff; }

constexpr std::uint32_t slot_reg(int slot, std::uint32_t offset) {
  return kSlotBase + std::uint32_t(slot) * kSlotStride + offset;
}

}  // namespace ebatch::regs
