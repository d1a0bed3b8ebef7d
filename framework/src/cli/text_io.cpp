#include "text_io.hpp"

#include <fmt/format.h>
#include <torch/types.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "setfit/errors.hpp"
#include "setfit/text.hpp"

namespace fs = std::filesystem;

namespace setfit::cli {
namespace {

void write_jsonl(std::FILE* out, const at::Tensor& embeddings) {
  auto rows = embeddings.accessor<float, 2>();
  std::string line;
  for (std::int64_t r = 0; r < embeddings.size(0); ++r) {
    line = "{\"embedding\": [";
    for (std::int64_t c = 0; c < embeddings.size(1); ++c) {
      if (c > 0) line += ", ";
      fmt::format_to(std::back_inserter(line), "{}", rows[r][c]);
    }
    line += "]}\n";
    std::fwrite(line.data(), 1, line.size(), out);
  }
}

void write_npy(const fs::path& file, const at::Tensor& embeddings) {
  std::string header =
      fmt::format("{{'descr': '<f4', 'fortran_order': False, 'shape': ({}, {}), }}",
                  embeddings.size(0), embeddings.size(1));
  // Magic (6) + version (2) + length (2) + header + '\n', padded to a multiple of 64.
  const std::size_t unpadded = 10 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header += '\n';
  std::ofstream out(file, std::ios::binary);
  out.write("\x93NUMPY\x01\x00", 8);
  const auto length = static_cast<std::uint16_t>(header.size());
  out.put(static_cast<char>(length & 0xFF));
  out.put(static_cast<char>(length >> 8));
  out << header;
  out.write(static_cast<const char*>(embeddings.data_ptr()),
            static_cast<std::streamsize>(embeddings.numel() * sizeof(float)));
  if (!out) throw Error(fmt::format("{}: cannot be written", file.string()));
}

}  // namespace

std::vector<std::string> read_texts(const fs::path& file, const std::string& field) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error(fmt::format("{}: cannot be opened for reading", file.string()));
  const std::string extension = file.extension().string();
  const bool jsonl = extension == ".jsonl" || extension == ".json";
  if (!jsonl && extension != ".txt") {
    throw Error(
        fmt::format("{}: unknown input format '{}'; expected .txt (one text per line) or "
                    ".jsonl (objects with a \"{}\" field)",
                    file.string(), extension, field));
  }
  std::vector<std::string> texts;
  std::string line;
  std::size_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!jsonl) {
      // A blank line is no text: predicting or embedding it would only produce noise.
      if (line.find_first_not_of(" \t") == std::string::npos) continue;
      if (!is_valid_utf8(line))
        throw Error(fmt::format("{}:{}: not valid UTF-8", file.string(), number));
      texts.push_back(line);
      continue;
    }
    if (line.find_first_not_of(" \t") == std::string::npos) continue;  // blank lines
    nlohmann::json row;
    try {
      row = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception& e) {
      throw Error(fmt::format("{}:{}: malformed JSON: {}", file.string(), number,
                              printable_bytes(e.what())));
    }
    if (!row.is_object() || !row.contains(field) || !row[field].is_string()) {
      throw Error(fmt::format("{}:{}: expected an object with a string field \"{}\"", file.string(),
                              number, field));
    }
    texts.push_back(row[field].get<std::string>());
  }
  return texts;
}

void write_embeddings(const fs::path& file, const at::Tensor& embeddings_in) {
  auto embeddings = embeddings_in.to(torch::kFloat32).contiguous();
  if (file.empty()) {
    write_jsonl(stdout, embeddings);
    return;
  }
  if (file.extension() == ".npy") {
    write_npy(file, embeddings);
    return;
  }
  if (file.extension() != ".jsonl") {
    throw Error(fmt::format("{}: unknown output format; expected .jsonl or .npy", file.string()));
  }
  std::FILE* out = std::fopen(file.c_str(), "wb");
  if (out == nullptr) throw Error(fmt::format("{}: cannot be written", file.string()));
  write_jsonl(out, embeddings);
  const bool failed = std::ferror(out) != 0;
  std::fclose(out);
  if (failed) throw Error(fmt::format("{}: write failed", file.string()));
}

void check_output_file(const std::filesystem::path& file, const std::string& flag) {
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec))
    throw UsageError(fmt::format("{} {}: is a folder; expected a file name", flag, file.string()));
  const auto folder = std::filesystem::absolute(file).parent_path();
  if (!std::filesystem::is_directory(folder, ec)) {
    throw UsageError(
        fmt::format("{} {}: the folder {} does not exist", flag, file.string(), folder.string()));
  }
}

void write_file_atomically(const std::filesystem::path& file, const std::string& text) {
  auto partial = file;
  partial += ".partial";
  {
    std::ofstream out(partial);
    out << text;
    out.close();
    if (!out) throw Error(fmt::format("{}: cannot be written", file.string()));
  }
  std::error_code error;
  std::filesystem::rename(partial, file, error);
  if (error) throw Error(fmt::format("{}: cannot be written: {}", file.string(), error.message()));
}

}  // namespace setfit::cli
