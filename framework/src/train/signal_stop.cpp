#include "mlrun/train/signal_stop.hpp"

#include "mlrun/train/model_checkpoint.hpp"
#include "mlrun/train/trainer.hpp"

#include <csignal>

namespace mlrun {
namespace {

volatile std::sig_atomic_t received_signal = 0;

extern "C" void record_signal(int number) { received_signal = number; }

}  // namespace

struct signal_stop::previous_handlers {
    struct sigaction term {};
    struct sigaction interrupt {};
};

signal_stop::signal_stop(model_checkpoint* saver) : saver_(saver), previous_(new previous_handlers)
{
    received_signal = 0;
    struct sigaction action {};
    action.sa_handler = record_signal;
    sigemptyset(&action.sa_mask);
    ::sigaction(SIGTERM, &action, &previous_->term);
    ::sigaction(SIGINT, &action, &previous_->interrupt);
}

signal_stop::~signal_stop()
{
    ::sigaction(SIGTERM, &previous_->term, nullptr);
    ::sigaction(SIGINT, &previous_->interrupt, nullptr);
    delete previous_;
}

void signal_stop::on_batch_end(trainer& t, std::int64_t batch, const metric_logs& logs)
{
    if (received_signal == 0) return;
    if (saver_ != nullptr) saver_->save_now(t, batch, logs);
    t.request_abort();
}

int signal_stop::received() { return received_signal; }

}  // namespace mlrun
