// A tiny experiment for end-to-end checkpoint tests: four IDX files of a
// separable 3-class problem and an experiment file using them, in a
// scratch directory.
#pragma once

#include "mlrun/data/idx.hpp"

#include <stdlib.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>

namespace mlrun::e2e {

namespace fs = std::filesystem;

inline std::string env_or_fail(const char* name)
{
    const char* value = std::getenv(name);
    if (value == nullptr) throw std::runtime_error(std::string(name) + " is not set; run the tests through ctest");
    return value;
}

inline std::string plugin_dir() { return env_or_fail("MLRUN_BINARY_DIR") + "/lib/mlrun/plugins"; }

struct scratch {
    fs::path dir;
    scratch()
    {
        std::string pattern = (fs::temp_directory_path() / "mlrun-e2e-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("cannot create a temporary directory");
        dir = pattern;
        write_data();
    }
    ~scratch()
    {
        std::error_code ec;
        fs::remove_all(dir, ec);
    }
    scratch(const scratch&) = delete;
    scratch& operator=(const scratch&) = delete;

    std::string path(const std::string& name) const { return (dir / name).string(); }

    // An experiment file over the scratch data, with `extra` YAML appended
    // (a checkpoint section, usually).
    std::string experiment(const std::string& name, int epochs, const std::string& extra, int units = 16) const
    {
        const std::string file = path(name);
        std::ofstream out(file);
        out << "mlrun: 1\nseed: 3\nbackend: reference\n"
            << "data: {dataset: idx, path: " << path("data") << ", scale: 1}\n"
            << "model:\n  - Dense: {units: " << units << ", activation: relu, input_shape: [8]}\n"
            << "  - Dropout: {rate: 0.1}\n  - Dense: {units: 3, activation: softmax}\n"
            << "compile: {optimizer: adam, loss: sparse_categorical_crossentropy, metrics: [accuracy]}\n"
            << "fit: {epochs: " << epochs << ", batch_size: 16, validation: test, verbose: 2}\n"
            << extra;
        return file;
    }

private:
    // 64 training and 32 test samples: class c has feature c set high.
    void write_data() const
    {
        fs::create_directories(dir / "data");
        auto split = [&](const std::string& images, const std::string& labels, std::size_t count, unsigned salt) {
            idx_array x;
            x.type = idx_type::f32;
            x.dims = {count, 8};
            x.data.resize(count * 8 * sizeof(float));
            idx_array y;
            y.type = idx_type::u8;
            y.dims = {count};
            y.data.resize(count);
            unsigned state = salt;
            for (std::size_t i = 0; i < count; ++i) {
                const auto label = static_cast<std::uint8_t>(i % 3);
                y.data[i] = static_cast<std::byte>(label);
                for (std::size_t f = 0; f < 8; ++f) {
                    state = state * 1103515245u + 12345u;
                    float v = static_cast<float>((state >> 16) % 1000) / 2000.0f;
                    if (f == label) v += 1.0f;
                    std::memcpy(x.data.data() + (i * 8 + f) * sizeof(float), &v, sizeof v);
                }
            }
            write_idx(path("data/" + images), x);
            write_idx(path("data/" + labels), y);
        };
        split("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", 64, 1);
        split("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz", 32, 2);
    }
};

inline std::string file_text(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error(path + ": cannot be read");
    return std::string(std::istreambuf_iterator<char>(in), {});
}

inline bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace mlrun::e2e
