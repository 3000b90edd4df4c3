// The Winograd tables of winograd.c: for each 1-D algorithm F(m, r), Bᵀ (α × α), G (α × r) and
// Aᵀ (m × α), derived by Cook–Toom (Aᵀ Vandermonde in the points, G Lagrange-scaled, Bᵀ solved
// exactly) from the points named. Private to winograd.c.
#ifndef WEIGHTED_CONV_WINOGRAD_TABLES_H
#define WEIGHTED_CONV_WINOGRAD_TABLES_H
#include "winograd.h"

// F(2, 3): points 0, 1, −1, ∞.
static const float BT_2_3[] = {1, 0, -1, 0, 0, 1, 1, 0, 0, -1, 1, 0, 0, 1, 0, -1};
static const float G_2_3[] = {1, 0, 0, 0.5f, 0.5f, 0.5f, 0.5f, -0.5f, 0.5f, 0, 0, 1};
static const float AT_2_3[] = {1, 1, 1, 0, 0, 1, -1, -1};
// F(4, 3) and F(2, 5) share the points 0, ±1, ±2, ∞ (and so Bᵀ).
static const float BT_4_3[] = {
    4, 0, -5, 0, 1, 0, 0, -4, -4, 1, 1, 0, 0, 4, -4, -1, 1, 0,
    0, -2, -1, 2, 1, 0, 0, 2, -1, -2, 1, 0, 0, 4, 0, -5, 0, 1};
static const float G_4_3[] = {
    1.0f / 4, 0, 0, -1.0f / 6, -1.0f / 6, -1.0f / 6, -1.0f / 6, 1.0f / 6, -1.0f / 6,
    1.0f / 24, 1.0f / 12, 1.0f / 6, 1.0f / 24, -1.0f / 12, 1.0f / 6, 0, 0, 1};
static const float AT_4_3[] = {1, 1, 1, 1, 1, 0, 0, 1, -1, 2, -2, 0, 0, 1, 1, 4, 4, 0, 0, 1, -1, 8, -8, 1};
#define BT_2_5 BT_4_3
static const float G_2_5[] = {
    1.0f / 4, 0, 0, 0, 0, -1.0f / 6, -1.0f / 6, -1.0f / 6, -1.0f / 6, -1.0f / 6,
    -1.0f / 6, 1.0f / 6, -1.0f / 6, 1.0f / 6, -1.0f / 6, 1.0f / 24, 1.0f / 12, 1.0f / 6, 1.0f / 3, 2.0f / 3,
    1.0f / 24, -1.0f / 12, 1.0f / 6, -1.0f / 3, 2.0f / 3, 0, 0, 0, 0, 1};
static const float AT_2_5[] = {1, 1, 1, 1, 1, 0, 0, 1, -1, 2, -2, 1};
// F(3, 5): points 0, ±1, ±2, 1/2, ∞.
static const float BT_3_5[] = {
    -2, 4, 5.0f / 2, -5, -1.0f / 2, 1, 0, 0, 2, -2, -9.0f / 2, 1.0f / 2, 1, 0,
    0, -2, 6, -7.0f / 2, -3.0f / 2, 1, 0, 0, 1, -3.0f / 2, -2, 3.0f / 2, 1, 0,
    0, -1, 5.0f / 2, 0, -5.0f / 2, 1, 0, 0, 4, 0, -5, 0, 1, 0,
    0, -2, 4, 5.0f / 2, -5, -1.0f / 2, 1};
static const float G_3_5[] = {
    -1.0f / 2, 0, 0, 0, 0, -1.0f / 3, -1.0f / 3, -1.0f / 3, -1.0f / 3, -1.0f / 3,
    1.0f / 9, -1.0f / 9, 1.0f / 9, -1.0f / 9, 1.0f / 9, 1.0f / 36, 1.0f / 18, 1.0f / 9, 2.0f / 9, 4.0f / 9,
    -1.0f / 60, 1.0f / 30, -1.0f / 15, 2.0f / 15, -4.0f / 15, 32.0f / 45, 16.0f / 45, 8.0f / 45, 4.0f / 45, 2.0f / 45,
    0, 0, 0, 0, 1};
static const float AT_3_5[] = {1, 1, 1, 1, 1, 1, 0, 0, 1, -1, 2, -2, 1.0f / 2, 0, 0, 1, 1, 4, 4, 1.0f / 4, 1};
// F(4, 5): points 0, ±1, ±2, ±1/2, ∞.
static const float BT_4_5[] = {
    -1, 0, 21.0f / 4, 0, -21.0f / 4, 0, 1, 0, 0, 1, 1, -17.0f / 4, -17.0f / 4, 1, 1, 0,
    0, -1, 1, 17.0f / 4, -17.0f / 4, -1, 1, 0, 0, 1.0f / 2, 1.0f / 4, -5.0f / 2, -5.0f / 4, 2, 1, 0,
    0, -1.0f / 2, 1.0f / 4, 5.0f / 2, -5.0f / 4, -2, 1, 0, 0, 2, 4, -5.0f / 2, -5, 1.0f / 2, 1, 0,
    0, -2, 4, 5.0f / 2, -5, -1.0f / 2, 1, 0, 0, -1, 0, 21.0f / 4, 0, -21.0f / 4, 0, 1};
static const float G_4_5[] = {
    -1, 0, 0, 0, 0, -2.0f / 9, -2.0f / 9, -2.0f / 9, -2.0f / 9, -2.0f / 9,
    -2.0f / 9, 2.0f / 9, -2.0f / 9, 2.0f / 9, -2.0f / 9, 1.0f / 90, 1.0f / 45, 2.0f / 45, 4.0f / 45, 8.0f / 45,
    1.0f / 90, -1.0f / 45, 2.0f / 45, -4.0f / 45, 8.0f / 45, 32.0f / 45, 16.0f / 45, 8.0f / 45, 4.0f / 45, 2.0f / 45,
    32.0f / 45, -16.0f / 45, 8.0f / 45, -4.0f / 45, 2.0f / 45, 0, 0, 0, 0, 1};
static const float AT_4_5[] = {
    1, 1, 1, 1, 1, 1, 1, 0, 0, 1, -1, 2, -2, 1.0f / 2, -1.0f / 2, 0,
    0, 1, 1, 4, 4, 1.0f / 4, 1.0f / 4, 0, 0, 1, -1, 8, -8, 1.0f / 8, -1.0f / 8, 1};

// Calls X(algorithm, m, r, Bᵀ, G, Aᵀ) for every algorithm.
#define ALGORITHMS(X)                                        \
    X(WC_WINOGRAD_F2_3, 2, 3, BT_2_3, G_2_3, AT_2_3)         \
    X(WC_WINOGRAD_F4_3, 4, 3, BT_4_3, G_4_3, AT_4_3)         \
    X(WC_WINOGRAD_F2_5, 2, 5, BT_2_5, G_2_5, AT_2_5)         \
    X(WC_WINOGRAD_F3_5, 3, 5, BT_3_5, G_3_5, AT_3_5)         \
    X(WC_WINOGRAD_F4_5, 4, 5, BT_4_5, G_4_5, AT_4_5)

#endif
