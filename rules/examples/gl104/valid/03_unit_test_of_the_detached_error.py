import pytest
import torch


def test_a_detached_loss_cannot_be_backpropagated():
    model = torch.nn.Linear(2, 1)
    loss = model(torch.ones(1, 2)).sum().detach()
    with pytest.raises(RuntimeError):
        loss.backward()
