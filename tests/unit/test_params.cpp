#include <gtest/gtest.h>

#include <cmath>

#include "setfit/errors.hpp"
#include "setfit/params.hpp"

namespace setfit {
namespace {

const ParamSchema kSchema = {
    {"margin", ParamType::Float, 0.5, "Margin"},
    {"steps", ParamType::Int, std::int64_t{3}, "Steps"},
    {"normalize", ParamType::Bool, true, "Normalise"},
    {"metric", ParamType::String, std::string("cosine"), "Distance"},
};

TEST(Params, DefaultsFillEveryMissingKey) {
  Params p = Params::resolve(kSchema, {}, "loss 'X'");
  EXPECT_DOUBLE_EQ(p.get_float("margin"), 0.5);
  EXPECT_EQ(p.get_int("steps"), 3);
  EXPECT_TRUE(p.get_bool("normalize"));
  EXPECT_EQ(p.get_string("metric"), "cosine");
  EXPECT_FALSE(p.is_user_set("margin"));
}

TEST(Params, UserValuesWinAndAreMarked) {
  Params p = Params::resolve(kSchema, {{"margin", 0.25}, {"metric", std::string("euclidean")}},
                             "loss 'X'");
  EXPECT_DOUBLE_EQ(p.get_float("margin"), 0.25);
  EXPECT_EQ(p.get_string("metric"), "euclidean");
  EXPECT_TRUE(p.is_user_set("margin"));
  EXPECT_FALSE(p.is_user_set("steps"));
}

TEST(Params, IntegerIsAcceptedForFloat) {
  Params p = Params::resolve(kSchema, {{"margin", std::int64_t{1}}}, "loss 'X'");
  EXPECT_DOUBLE_EQ(p.get_float("margin"), 1.0);
}

TEST(Params, UnknownKeyNamesOwnerAndKnownKeys) {
  try {
    Params::resolve(kSchema, {{"margn", 0.1}}, "loss 'ContrastiveLoss'");
    FAIL() << "expected ComponentConfigError";
  } catch (const ComponentConfigError& e) {
    std::string message = e.what();
    EXPECT_NE(message.find("loss 'ContrastiveLoss'"), std::string::npos) << message;
    EXPECT_NE(message.find("'margn'"), std::string::npos) << message;
    EXPECT_NE(message.find("margin, steps, normalize, metric"), std::string::npos) << message;
  }
}

TEST(Params, UnknownKeySuggestsTheNearestName) {
  try {
    Params::resolve(kSchema, {{"metrc", std::string("cosine")}}, "loss 'X'");
    FAIL() << "expected ComponentConfigError";
  } catch (const ComponentConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("did you mean 'metric'?"), std::string::npos) << e.what();
  }
}

TEST(Params, WrongTypeSaysWhatWasExpected) {
  try {
    Params::resolve(kSchema, {{"steps", std::string("many")}}, "head 'linear'");
    FAIL() << "expected ComponentConfigError";
  } catch (const ComponentConfigError& e) {
    std::string message = e.what();
    EXPECT_NE(message.find("'steps' expects int, got string (\"many\")"), std::string::npos)
        << message;
  }
}

TEST(Params, NanAndInfinityAreRefusedByName) {
  for (double bad : {std::nan(""), HUGE_VAL, -HUGE_VAL}) {
    try {
      Params::resolve(kSchema, {{"margin", bad}}, "loss 'ContrastiveLoss'");
      FAIL() << "expected ComponentConfigError for " << bad;
    } catch (const ComponentConfigError& e) {
      const std::string message = e.what();
      EXPECT_NE(message.find("loss 'ContrastiveLoss': parameter 'margin' must be a finite number"),
                std::string::npos)
          << message;
    }
  }
}

TEST(Params, ReadingWithTheWrongTypeThrows) {
  Params p = Params::resolve(kSchema, {}, "loss 'X'");
  EXPECT_THROW(p.get_int("margin"), ComponentConfigError);
  EXPECT_THROW(p.get_float("absent"), ComponentConfigError);
}

TEST(Params, FormatsValuesLikeToml) {
  EXPECT_EQ(format_value(true), "true");
  EXPECT_EQ(format_value(std::int64_t{7}), "7");
  EXPECT_EQ(format_value(0.25), "0.25");
  EXPECT_EQ(format_value(1.0), "1.0");
  EXPECT_EQ(format_value(2e-5), "2e-05");
  EXPECT_EQ(format_value(std::string("a")), "\"a\"");
}

}  // namespace
}  // namespace setfit
