# An A3C worker: the local gradients are copied into the shared model's .grad (a copy of
# the gradient is no use of it), and the shared optimizer steps them.
import torch
import torch.optim as optim


def train(global_model: torch.nn.Module, local_model: torch.nn.Module, env):
    optimizer = optim.Adam(global_model.parameters(), lr=1e-3)
    for episode in range(100):
        loss = local_model(env.sample()).mean()
        optimizer.zero_grad()
        loss.backward()
        for global_param, local_param in zip(global_model.parameters(), local_model.parameters()):
            global_param._grad = local_param.grad.clone()
        optimizer.step()
        local_model.load_state_dict(global_model.state_dict())
