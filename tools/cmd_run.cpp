// `ebatch run`: simulate one experiment and write its results.
#include <iostream>

#include "tools/cli.h"

namespace ebatch::cli {

int command_run(const std::vector<std::string>& args) {
  const CommonArgs a = parse_common_args("run", args, true);
  if (a.help) {
    std::cout << "usage: ebatch run [EXPERIMENT.yaml] [--set key=value]... [--out DIR]\n";
    return 0;
  }
  const Experiment e = load_experiment(a.experiment, a.overrides);
  std::cerr << "error: ebatch run is not implemented in this version\n";
  return 1;
}

}  // namespace ebatch::cli
