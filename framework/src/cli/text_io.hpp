#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace at {
class Tensor;
}

// Reading texts and writing embeddings for `setfit encode`.
namespace setfit::cli {

// `.txt`: one text per line, blank lines skipped;
// `.jsonl`: one JSON object per line with a string `field`. Errors name file:line.
std::vector<std::string> read_texts(const std::filesystem::path& file, const std::string& field);

// `.jsonl`: {"embedding": [...]} per row, shortest round-trip floats; `.npy`: float32 2-D
// array. An empty path writes JSONL to stdout.
void write_embeddings(const std::filesystem::path& file, const at::Tensor& embeddings);

// Throws a UsageError naming `flag` unless `file` can be written: not a folder, its folder
// existing. Called before long work, so that the work is not lost at the end.
void check_output_file(const std::filesystem::path& file, const std::string& flag);

// Writes `text` beside `file` and renames it into place, so a crash never leaves half a file.
void write_file_atomically(const std::filesystem::path& file, const std::string& text);

}  // namespace setfit::cli
