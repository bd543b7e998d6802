# Dive into Deep Learning's `train_ch7`: the optimizer is a hand-written function (sgd,
# momentum, adagrad from the chapter) handed in and called on the weights after each
# backward.
import torch


def train_ch7(optimizer_fn, states, hyperparams, features, labels, batch_size=10):
    w = torch.nn.Parameter(torch.zeros(features.shape[1], 1))
    b = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([w, b], lr=0.0)  # only to clear the gradients
    for X, y in zip(features.split(batch_size), labels.split(batch_size)):
        loss = ((X @ w + b - y.view(-1, 1)) ** 2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer_fn([w, b], states, hyperparams)
