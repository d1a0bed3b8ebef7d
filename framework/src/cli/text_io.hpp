#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace at {
class Tensor;
}

// Reading texts and writing embeddings for `setfit encode`.
namespace setfit::cli {

// `.txt`: one text per line (a trailing newline does not add an empty text);
// `.jsonl`: one JSON object per line with a string `field`. Errors name file:line.
std::vector<std::string> read_texts(const std::filesystem::path& file, const std::string& field);

// `.jsonl`: {"embedding": [...]} per row, shortest round-trip floats; `.npy`: float32 2-D
// array. An empty path writes JSONL to stdout.
void write_embeddings(const std::filesystem::path& file, const at::Tensor& embeddings);

// Writes `text` beside `file` and renames it into place, so a crash never leaves half a file.
void write_file_atomically(const std::filesystem::path& file, const std::string& text);

}  // namespace setfit::cli
